import type { Evidence } from '@hourglass/events';
import { liveUntil } from './live';
import type { PolicyFor } from './policy';
import { beganBefore, type LearnerState, type SessionState } from './state';
import type { Mark, Span } from './window';

const NONE: readonly ConcurrentOverlap[] = Object.freeze([]);

export interface ConcurrentOverlap {
  readonly mark: Mark;
  readonly other: SessionState;
}

/**
 * Parts of window `win` of session `s` inside the live span of a session of the same learner that began
 * before it, as known now. Each other session gives its own mark; segments.ts takes their union.
 */
export function concurrentOverlaps(
  learner: LearnerState,
  s: SessionState,
  win: Span,
  policyFor: PolicyFor,
): readonly ConcurrentOverlap[] {
  let out: ConcurrentOverlap[] | null = null;
  for (const other of learner.sessions) {
    if (other === s || !other.begun || !beganBefore(other, s)) continue;
    if (other.platformId === s.platformId && other.sessionId === s.sessionId) continue;
    const fromMs = Math.max(win.fromMs, other.startMs);
    const toMs = Math.min(win.toMs, liveUntil(other, policyFor(other.platformId)));
    if (toMs <= fromMs) continue;
    if (out === null) out = [];
    out.push({ mark: { fromMs, toMs, kind: 'concurrent_session' }, other });
  }
  return out ?? NONE;
}

export function concurrentEvidence(o: ConcurrentOverlap, eventId: string, atMs: number): Evidence {
  return {
    eventId,
    atMs,
    note: `overlaps ${o.other.platformId}/${o.other.sessionId} for ${(o.mark.toMs - o.mark.fromMs) / 1000} s`,
    platformId: o.other.platformId,
    sessionId: o.other.sessionId,
  };
}
