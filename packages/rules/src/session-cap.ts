import type { LearnerState } from './state';

/**
 * The most sessions a learner's state keeps. SPEC §4 sets no bound, but every event of a learner walks
 * its sessions and every batch decodes and encodes all of them, so a platform minting a session id per
 * heartbeat (~20,000 a week) would slow the learner's partition to a crawl (README, "Session cap").
 * 100 is far past a real learner's week: a session is a sitting, and 7 days of them is a few dozen.
 */
export const MAX_SESSIONS = 100;

/**
 * Past the cap, the least recently touched sessions are dropped early, as pruning drops them after
 * 7 days, and the learner's floor rises to the latest touch among them. Events at or before the floor
 * cannot begin a session (engine.ts), so a replay of a dropped session is ignored, never credited
 * again; its later events begin it anew, as after pruning. Sessions touched at the same instant go or
 * stay together, so the result does not depend on their order.
 */
export function capSessions(state: LearnerState, max: number): LearnerState {
  if (state.sessions.length <= max) return state;
  // A cap of 0 would drop the session the event just began, and the event with it.
  if (!(max >= 1)) throw new RangeError(`maxSessions must be at least 1, not ${max}`);
  const touched = state.sessions.map((s) => s.touchedMs).sort((a, b) => b - a);
  const floorMs = touched[max] as number;
  return {
    learnerId: state.learnerId,
    latestMs: state.latestMs,
    floorMs,
    seen: state.seen,
    sessions: state.sessions.filter((s) => s.touchedMs > floorMs),
  };
}
