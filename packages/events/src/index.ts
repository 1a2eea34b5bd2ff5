export * from './ids';
export * from './messages';
export * from './patterns';
export * from './random';
export * from './schemas';
export * from './time';
export * from './validate';
