export { fastParseTimestamp } from './fast-time';
export { EVENT_KEYS, type FastContext, fastValidate } from './fast-validate';
export * from './ids';
export * from './messages';
export * from './patterns';
export * from './random';
export * from './schemas';
export * from './time';
export * from './validate';
