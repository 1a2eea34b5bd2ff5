import type { Evidence, Segment, WithholdKind } from '@hourglass/events';
import { concurrentEvidence, concurrentOverlaps } from './concurrent';
import type { FlagHit } from './flags';
import { isLate } from './late';
import { type Policy, type PolicyFor, secToMs } from './policy';
import { splitWindow, toSegments, wholeWindow, withheldByKind } from './segments';
import type { LearnerState, SessionState } from './state';
import { type Activity, activityMark, type Mark, type Span } from './window';

export interface Closing {
  readonly learner: LearnerState;
  /** The session as it was before this event. */
  readonly session: SessionState;
  readonly win: Span;
  readonly activity: Activity;
  readonly eventId: string;
  readonly tMs: number;
  readonly rMs: number;
  readonly policy: Policy;
  readonly policyFor: PolicyFor;
}

/**
 * One closed window (of a heartbeat or a session.end): every withholding kind that applies becomes a mark,
 * the window is cut into segments along them, and each kind present raises its flag once with the ms it
 * withheld here.
 */
export function closeWindow(c: Closing): { segments: Segment[]; hits: FlagHit[] } {
  const { session: s, win, policy, eventId, tMs } = c;
  const marks: Mark[] = [];
  const idle = activityMark(win, c.activity, s.activityMs, secToMs(policy.idleTimeoutSec));
  if (idle !== null) marks.push(idle);
  if (isLate(tMs, c.rMs, policy)) marks.push({ fromMs: win.fromMs, toMs: win.toMs, kind: 'late_report' });
  if (s.sharedDevice) marks.push({ fromMs: win.fromMs, toMs: win.toMs, kind: 'shared_device' });
  const overlaps = concurrentOverlaps(c.learner, s, win, c.policyFor);
  for (let i = 0; i < overlaps.length; i++) marks.push(overlaps[i]!.mark);

  const hits: FlagHit[] = [];
  // Most windows carry no mark: one verified segment, without cutting the window into pieces first.
  if (marks.length === 0) return { segments: wholeWindow(win, c.learner.learnerId, s, eventId), hits };
  const pieces = splitWindow(win, marks);
  const segments = toSegments(pieces, c.learner.learnerId, s, eventId);
  for (const [kind, ms] of withheldByKind(pieces)) {
    const evidence =
      kind === 'concurrent_session'
        ? overlaps.map((o) => concurrentEvidence(o, eventId, tMs))
        : [{ eventId, atMs: tMs, note: noteOf(kind, c, ms) }];
    hits.push({ kind, withheldMs: ms, evidence });
  }
  return { segments, hits };
}

function noteOf(kind: Exclude<WithholdKind, 'concurrent_session'>, c: Closing, ms: number): Evidence['note'] {
  // Notes are kept in the learner state with the evidence, so they stay short.
  switch (kind) {
    case 'idle':
      return c.session.activityMs === null
        ? `${ms / 1000} s idle after a failed presence check`
        : `${ms / 1000} s idle; last activity ${(c.win.toMs - c.session.activityMs) / 1000} s before`;
    case 'presence_failed':
      return `${ms / 1000} s: presence check failed`;
    case 'late_report':
      return `received ${(c.rMs - c.tMs) / 1000} s late (limit ${c.policy.maxDelaySec} s)`;
    case 'shared_device':
      return `${ms / 1000} s on shared device ${c.session.attributes.deviceId}`;
  }
}
