/**
 * Typed failures of the log. Callers branch on `code`:
 * - `unavailable`: the broker cannot be reached or did not acknowledge in time. Retry with backoff; for
 *   `send` some records may already be written (at-least-once: retrying can duplicate, never lose).
 * - `unknown_topic`: the topic does not exist (topics are created by `ensureTopics`, never implicitly).
 * - `invalid_argument`: a caller bug (bad offset, empty topic name, non-string key…); retrying will not help.
 * - `rejected`: the broker refused the records for good (record too large, invalid record…).
 * - `rebalancing`: thrown by `BatchContext.heartbeat()` when the consumer lost its partitions to a rebalance;
 *   let it propagate out of onBatch: the batch is not committed and is delivered to the partition's new owner.
 * - `closed`: the producer was disconnected or the log closed by its owner.
 * - `unexpected`: anything else.
 */
export type LogErrorCode =
  | 'unavailable'
  | 'unknown_topic'
  | 'invalid_argument'
  | 'rejected'
  | 'rebalancing'
  | 'closed'
  | 'unexpected';

export class LogError extends Error {
  override readonly name = 'LogError';
  readonly code: LogErrorCode;

  constructor(code: LogErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isLogError(err: unknown, code?: LogErrorCode): err is LogError {
  return err instanceof LogError && (code === undefined || err.code === code);
}
