import { MAX_AGE_MS, MAX_FUTURE_MS } from '@hourglass/events';
import type { SessionState } from './state';

/**
 * The pruning horizon: SPEC's 7 days plus ingest's 30 s future tolerance. An event this much older than
 * one already processed can no longer pass ingest's `time_too_old` check (events are processed in
 * receipt order), so an event before it cannot begin a session, and ids before it cannot come again.
 */
export const PRUNE_AFTER_MS = MAX_AGE_MS + MAX_FUTURE_MS;

/**
 * Sessions are kept twice the horizon after their last touch. Every event still to come is at most one
 * horizon older than the learner's latest event, and a session it continues can have been touched a
 * horizon before it: an offline upload received a week late, after the learner's newer events on
 * another platform. Dropped at one horizon, such a session lost the upload's window and began again
 * with unknown attributes.
 */
export const SESSION_KEEP_MS = 2 * PRUNE_AFTER_MS;

export function pruneSessions(sessions: readonly SessionState[], horizonMs: number): readonly SessionState[] {
  for (const s of sessions) {
    if (s.touchedMs < horizonMs) return sessions.filter((x) => x.touchedMs >= horizonMs);
  }
  return sessions;
}
