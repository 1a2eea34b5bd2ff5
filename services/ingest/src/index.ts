export * from './batch';
export * from './body';
export * from './errors';
export * from './ingest';
export * from './rate-limit';
export * from './rejected';
export * from './server';
