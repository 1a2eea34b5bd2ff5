import { ConfigError } from '@hourglass/runtime';

/** A command line the command cannot run: a bad option or value (a RangeError, for library callers). */
export class UsageError extends RangeError {
  readonly code = 'usage';
}

/**
 * The exit code of a command that failed: 2 for what the operator must fix in the command line, the
 * environment or the configuration file (nothing was tried), 1 for a failure while running.
 */
export function exitCodeOf(err: unknown): 1 | 2 {
  if (err instanceof UsageError || err instanceof ConfigError) return 2;
  // node:util parseArgs: an unknown option, a missing value, an unexpected positional.
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_') ? 2 : 1;
}
