/**
 * Versions of the records a session emits (its SessionRecord, each of its flags). Consumers keep the
 * highest version of an id, and a platform that reuses a session id after the session was dropped (pruned
 * two horizons after its last event, or over the session cap) begins it again under the same record and
 * flag ids. Counting from 1 again, the new records lost against the old ones, or tied with them, and a
 * tie was kept differently by the two warehouse adapters (first copy; last inserted on ClickHouse).
 *
 * So a version never falls behind the session's latest touch: the next version is the previous one plus
 * one, but at least the touch time in milliseconds × 1000. A session begun again is touched only after the
 * dropped one's last touch (later events cannot begin a session at or before the floor or the pruning
 * horizon), so its first version is above every version the dropped one emitted, unless that one emitted
 * more than 1000 versions within one millisecond. Times past VERSION_TIME_LIMIT_MS (year 2223) count as
 * that limit, which keeps versions below 2^53 for another 10^15 bumps.
 */
export const VERSION_TIME_LIMIT_MS = 8_000_000_000_000;

export function nextVersion(previous: number, touchedMs: number): number {
  return Math.max(previous + 1, Math.min(touchedMs, VERSION_TIME_LIMIT_MS) * 1000);
}
