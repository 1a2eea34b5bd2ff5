export type AggregatorErrorCode = 'malformed_record';

export class AggregatorError extends Error {
  constructor(
    readonly code: AggregatorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AggregatorError';
  }
}
