/**
 * A `day` (Date) column's value as read from ClickHouse. 18.16 prints the Date 0, 1970-01-01 (the first
 * day the warehouse stores), as "0000-00-00"; current servers print 1970-01-01.
 */
export function dayText(v: unknown): string {
  const s = String(v);
  return s === '0000-00-00' ? '1970-01-01' : s;
}
