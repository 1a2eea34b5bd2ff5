import type { CertificateRecord } from '@hourglass/events';
import { i64, str } from './segment-rows';

/** The columns of `certificates`, in the order certificatesRowBinary writes them. */
export const CERTIFICATE_COLUMNS_WRITTEN =
  'certificateId, platformId, learnerId, courseId, requiredHours, issuedAtMs, eventId';

/**
 * Certificates as RowBinary. Not JSON: ClickHouse 18.16 parses some JSON decimals one unit in the last
 * place off (1.14 is stored as 1.1400000000000001, 5e-324 as 0), and `requiredHours` decides whether a
 * certificate is backed to the exact millisecond; eight raw bytes are the number itself. The rows are
 * validated first, so every string is an ASCII identifier (one byte per unit).
 */
export function certificatesRowBinary(rows: readonly CertificateRecord[]): Buffer {
  let bound = 0;
  for (const c of rows) {
    // Five strings with a length prefix of at most 5 bytes each, and two 8-byte numbers.
    bound += 41 + c.certificateId.length + c.platformId.length + c.learnerId.length;
    bound += c.courseId.length + c.eventId.length;
  }
  const buf = Buffer.allocUnsafe(bound);
  let at = 0;
  for (const c of rows) {
    at = str(buf, at, c.certificateId);
    at = str(buf, at, c.platformId);
    at = str(buf, at, c.learnerId);
    at = str(buf, at, c.courseId);
    at = buf.writeDoubleLE(c.requiredHours, at);
    at = i64(buf, at, c.issuedAtMs);
    at = str(buf, at, c.eventId);
  }
  return buf.subarray(0, at);
}
