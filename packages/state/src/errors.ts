/**
 * Typed failures of the state store. The detector branches on `code`:
 * - `unavailable`: Redis is down, slow or refusing writes (timeout, connection refused, LOADING, OOM…).
 *   Retry with backoff. For `commit` the outcome is unknown (the script may have run before the reply
 *   was lost); retrying the same request is safe because a commit is idempotent for the same epoch.
 * - `invalid_argument`: a caller bug (empty partition, non-integer time…); retrying will not help.
 * - `closed`: the store was closed by its owner.
 * - `corrupt`: a stored key does not have the shape this package writes (someone else wrote under our prefix).
 * - `unexpected`: anything else the server or client reported.
 */
export type StateErrorCode = 'unavailable' | 'invalid_argument' | 'closed' | 'corrupt' | 'unexpected';

export class StateError extends Error {
  override readonly name = 'StateError';
  readonly code: StateErrorCode;

  constructor(code: StateErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isStateError(err: unknown, code?: StateErrorCode): err is StateError {
  return err instanceof StateError && (code === undefined || err.code === code);
}

// Server replies that mean "the server is there but cannot serve us right now": retryable.
const RETRYABLE_REPLY = /^(LOADING|BUSY|OOM|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOREPLICAS|MISCONF)\b/;
// Client-side messages of ioredis / node sockets that mean the connection is not usable.
const CONNECTION_PROBLEM =
  /Command timed out|Connection is closed|Reached the max retries per request limit|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|Stream isn't writeable|connect ETIMEDOUT/;

/** Maps whatever ioredis rejected with onto a StateError; `lastConnectionError` becomes the cause when useful. */
export function toStateError(err: unknown, operation: string, lastConnectionError?: Error): StateError {
  if (err instanceof StateError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (message.startsWith('HGCORRUPT')) {
    return new StateError('corrupt', `${operation}: ${message}`, { cause: err });
  }
  if (RETRYABLE_REPLY.test(message) || CONNECTION_PROBLEM.test(message)) {
    const detail = lastConnectionError ? ` (last connection error: ${lastConnectionError.message})` : '';
    return new StateError('unavailable', `${operation}: redis unavailable: ${message}${detail}`, {
      cause: err,
    });
  }
  return new StateError('unexpected', `${operation}: ${message}`, { cause: err });
}
