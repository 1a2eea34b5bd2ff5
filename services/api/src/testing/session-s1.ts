import type { FlagUpdate, Segment, WithholdKind } from '@hourglass/events';

/**
 * Rows of one session (learner L1, cvto/S1, on 2026-03-01 UTC) written by hand, for tests that build a
 * single timeline step by step rather than read the literal world of fixtures.ts.
 */

/** `hh:mm` on 2026-03-01 UTC, in ms. */
export const T = (hhmm: string): number => Date.parse(`2026-03-01T${hhmm}:00Z`);

/** A segment of S1 from `from` to `to`: verified, or withheld for `kind` under `flagIds`. */
export function s1Segment(
  id: string,
  from: string,
  to: string,
  flagIds: string[] = [],
  kind: WithholdKind = 'late_report',
): Segment {
  return {
    segmentId: id,
    learnerId: 'L1',
    platformId: 'cvto',
    sessionId: 'S1',
    courseId: 'c1',
    deviceId: 'D1',
    occupation: '4-03-02-02',
    region: '610113',
    learnerGroup: 'graduate',
    startMs: T(from),
    endMs: T(to),
    status: flagIds.length > 0 ? 'withheld' : 'verified',
    kinds: flagIds.length > 0 ? [kind] : [],
    flagIds,
    eventId: `e-${id}`,
  };
}

/** Version 1 of a flag on S1, first and last seen at `at`. */
export function s1Flag(
  flagId: string,
  kind: FlagUpdate['kind'],
  at: string,
  extra: Partial<FlagUpdate> = {},
): FlagUpdate {
  return {
    flagId,
    kind,
    learnerId: 'L1',
    platformId: 'cvto',
    sessionId: 'S1',
    firstAtMs: T(at),
    lastAtMs: T(at),
    occurrences: 1,
    withheldMs: 0,
    evidence: [],
    version: 1,
    ...extra,
  };
}
