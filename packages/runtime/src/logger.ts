import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogLevel } from './env';

export type { Logger };

export interface LoggerOptions {
  level: LogLevel | string;
  name: string;
  /** Where JSON lines go; stdout by default. Tests pass a stream to inspect output. */
  destination?: DestinationStream;
}

/**
 * Credentials must never reach logs: authorization headers and any `token`/`tokens` field, at the top
 * level or one or two levels down (request objects, config entries), are replaced.
 */
export const REDACT_PATHS = [
  'authorization',
  'token',
  'tokens',
  '*.authorization',
  '*.token',
  '*.tokens',
  '*.*.token',
  '*.*.tokens',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'request.headers.authorization',
];

/** A pino JSON logger with ISO timestamps and credential redaction. */
export function createLogger(options: LoggerOptions): Logger {
  const opts = {
    name: options.name,
    level: options.level,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}
