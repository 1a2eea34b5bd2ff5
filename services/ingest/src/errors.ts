import { HttpError } from '@hourglass/runtime';

/** Request-level error codes of the ingest API (SPEC §3); per-event codes are the events package's. */
export type IngestErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'invalid_json'
  | 'bad_request'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'overloaded'
  | 'unavailable';

export function ingestError(
  status: number,
  code: IngestErrorCode,
  message: string,
  headers: Record<string, string> = {},
): HttpError {
  return new HttpError(status, code, message, headers);
}
