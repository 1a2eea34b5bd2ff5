/** Another process claimed the partition (after a rebalance): this one must not write it. */
export type DetectorErrorCode = 'fenced';

export class DetectorError extends Error {
  constructor(
    readonly code: DetectorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DetectorError';
  }
}
