import { ConfigError } from '@hourglass/runtime';

/**
 * Error codes of the CLI's own failures; callers switch on `code`, never on messages.
 * - `usage`: a bad option or value on the command line (exit 2).
 * - `http_status`: simulate's client got a non-2xx answer it does not retry (or retried to the end);
 *   `status`, `url` and the answer's `body` say which.
 */
export type CliErrorCode = 'usage' | 'http_status';

/** A command line the command cannot run: a bad option or value (a RangeError, for library callers). */
export class UsageError extends RangeError {
  readonly code = 'usage' satisfies CliErrorCode;
}

/** A request of `hourglass simulate` that the server answered with an error status. */
export class SimulateHttpError extends Error {
  readonly code: CliErrorCode = 'http_status';

  constructor(
    readonly status: number,
    readonly url: string,
    readonly body: unknown,
  ) {
    super(`${status} from ${url}: ${describeBody(body)}`);
    this.name = 'SimulateHttpError';
  }
}

function describeBody(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const e = (body as { error?: { code?: unknown; message?: unknown } }).error;
    return `${String(e?.code ?? '')} ${String(e?.message ?? '')}`.trim();
  }
  return typeof body === 'string' ? body.slice(0, 200) : (JSON.stringify(body)?.slice(0, 200) ?? '');
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
