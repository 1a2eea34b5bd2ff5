import type { PinoLikeLogger } from '../types';

export interface LoggedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: object;
  msg?: string;
}

/** A logger that keeps what it is given, for tests that assert on log lines. */
export function recordingLogger(): { logger: PinoLikeLogger; lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const at =
    (level: LoggedLine['level']) =>
    (fields: object, msg?: string): void =>
      void lines.push({ level, fields, msg });
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}
