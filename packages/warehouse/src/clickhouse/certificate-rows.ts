import type { CertificateRecord } from '@hourglass/events';

/** The columns of `certificates`, in the order certificatesRowBinary writes them. */
export const CERTIFICATE_COLUMNS_WRITTEN =
  'certificateId, platformId, learnerId, courseId, requiredHours, issuedAtMs, eventId';

/**
 * Certificates as RowBinary (String: LEB128 length + UTF-8; Float64 and Int64: 8 bytes little-endian).
 * Not JSON: ClickHouse 18.16 parses some JSON decimals one unit in the last place off (1.14 is stored
 * as 1.1400000000000001, 5e-324 as 0), and `requiredHours` decides whether a certificate is backed to
 * the exact millisecond. Eight raw bytes are the number itself.
 */
export function certificatesRowBinary(rows: readonly CertificateRecord[]): Buffer {
  const parts: Buffer[] = [];
  const str = (v: string) => {
    const bytes = Buffer.from(v, 'utf8');
    const len: number[] = [];
    let n = bytes.length;
    while (n >= 0x80) {
      len.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    len.push(n);
    parts.push(Buffer.from(len), bytes);
  };
  for (const c of rows) {
    str(c.certificateId);
    str(c.platformId);
    str(c.learnerId);
    str(c.courseId);
    const numbers = Buffer.alloc(16);
    numbers.writeDoubleLE(c.requiredHours, 0);
    numbers.writeBigInt64LE(BigInt(c.issuedAtMs), 8);
    parts.push(numbers);
    str(c.eventId);
  }
  return Buffer.concat(parts);
}
