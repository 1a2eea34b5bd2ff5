/**
 * fenced: another process claimed the partition (after a rebalance), this one must not write it.
 * invalid_output: an output record cannot be kept in, or read back from, the outbox (a bug, not data).
 */
export type DetectorErrorCode = 'fenced' | 'invalid_output';

export class DetectorError extends Error {
  constructor(
    readonly code: DetectorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DetectorError';
  }
}
