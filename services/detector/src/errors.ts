export type DetectorErrorCode = 'fenced' | 'malformed_record';

export class DetectorError extends Error {
  constructor(
    readonly code: DetectorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DetectorError';
  }
}
