import { MAX_AGE_MS, MAX_FUTURE_MS } from '@hourglass/events';
import type { SessionState } from './state';

/**
 * Sessions untouched for this long (event time, measured from the learner's latest event) are dropped.
 * It is SPEC's 7 days plus ingest's 30 s future tolerance: an event older than that relative to one
 * already processed can no longer pass ingest's `time_too_old` check (events are processed in receipt
 * order), so nothing pruned could have been needed again.
 */
export const PRUNE_AFTER_MS = MAX_AGE_MS + MAX_FUTURE_MS;

export function pruneSessions(sessions: readonly SessionState[], horizonMs: number): readonly SessionState[] {
  for (const s of sessions) {
    if (s.touchedMs < horizonMs) return sessions.filter((x) => x.touchedMs >= horizonMs);
  }
  return sessions;
}
