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
 * Credentials must never reach logs: authorization headers, cookies and any `token`/`tokens` field, at
 * the top level or one or two levels down (request objects, config entries), are replaced; so are the
 * arguments of a failed Redis command, which ioredis attaches to its errors (a failed AUTH carries the
 * password of REDIS_URL).
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
  'request.headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  'cookie',
  '*.cookie',
  'command.args',
  '*.command.args',
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
