/**
 * fenced: another process claimed the partition (after a rebalance), this one must not write it.
 * invalid_output: an output record cannot be kept in, or read back from, the outbox (a bug, not data).
 * corrupt_state: a learner's stored state cannot be read. The batch is retried, never credited on a
 *   guess; an operator repairs or deletes the named learner's key (its open sessions then start over).
 * device_conflict: the batch's device windows kept changing under its commits; the batch is retried
 *   after the log's backoff.
 * state_lost: the state store no longer holds what this process's claim wrote (keys gone, or its
 *   watermark went back: a restart without persistence, an AOF missing its last writes). Retried with a
 *   fresh claim, which reads the stored watermark and rebuilds from the log if the store is behind.
 */
export type DetectorErrorCode =
  | 'fenced'
  | 'invalid_output'
  | 'corrupt_state'
  | 'device_conflict'
  | 'state_lost';

export class DetectorError extends Error {
  constructor(
    readonly code: DetectorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DetectorError';
  }
}

export function isDetectorError(err: unknown, code?: DetectorErrorCode): err is DetectorError {
  return err instanceof DetectorError && (code === undefined || err.code === code);
}
