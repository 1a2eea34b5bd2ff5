import { type Policy, secToMs } from './policy';
import type { LearnerState, SessionState } from './state';

/** intervalSec assumed for a session that has had no heartbeat yet (SPEC §4, session.end and live spans). */
export const DEFAULT_INTERVAL_SEC = 60;

export function capMs(policy: Policy, intervalSec: number): number {
  return secToMs(policy.gapCapFactor * intervalSec);
}

/**
 * The cap a closing event of this session would get right now. The same value bounds the session's live
 * span, so another session is withheld exactly where this one could still claim time.
 */
export function sessionCapMs(s: SessionState, policy: Policy): number {
  return capMs(policy, s.intervalSec > 0 ? s.intervalSec : DEFAULT_INTERVAL_SEC);
}

/** End of the live span as known now: the session.end, else the last timing time plus the cap. */
export function liveUntil(s: SessionState, policy: Policy): number {
  return s.endMs ?? s.lastMs + sessionCapMs(s, policy);
}

/** Live spans are closed intervals [start, liveUntil]: a quiz at either edge counts as inside. */
export function isLiveAt(s: SessionState, policy: Policy, tMs: number): boolean {
  return s.begun && s.startMs <= tMs && tMs <= liveUntil(s, policy);
}

export function anySessionLiveAt(
  learner: LearnerState,
  policyFor: (platformId: string) => Policy,
  tMs: number,
): boolean {
  return learner.sessions.some((s) => isLiveAt(s, policyFor(s.platformId), tMs));
}
