import { type Segment, segmentIdOf, WITHHOLD_KINDS, type WithholdKind } from '@hourglass/events';
import { flagIdFor } from './flags';
import type { SessionState } from './state';
import type { Mark, Span } from './window';

/** Kinds on a segment are sorted by name, so equal sets always read the same. */
export const SORTED_WITHHOLD_KINDS: readonly WithholdKind[] = [...WITHHOLD_KINDS].sort();
const BIT: Readonly<Record<WithholdKind, number>> = Object.fromEntries(
  SORTED_WITHHOLD_KINDS.map((k, i) => [k, 1 << i]),
) as Record<WithholdKind, number>;
const NO_KINDS: readonly WithholdKind[] = Object.freeze([]);

export interface Piece {
  readonly startMs: number;
  readonly endMs: number;
  readonly kinds: readonly WithholdKind[];
}

function kindsOf(mask: number): readonly WithholdKind[] {
  if (mask === 0) return NO_KINDS;
  const out: WithholdKind[] = [];
  for (let i = 0; i < SORTED_WITHHOLD_KINDS.length; i++) {
    if (mask & (1 << i)) out.push(SORTED_WITHHOLD_KINDS[i]!);
  }
  return out;
}

/**
 * Cuts a window at every mark boundary, gives each piece the union of the kinds covering it, merges
 * neighbours with equal kind sets and drops empty pieces. Marks may overlap (several concurrent sessions
 * at once) and may reach outside the window; they are clipped to it.
 */
export function splitWindow(win: Span, marks: readonly Mark[]): Piece[] {
  if (win.toMs <= win.fromMs) return [];
  if (marks.length === 0) return [{ startMs: win.fromMs, endMs: win.toMs, kinds: NO_KINDS }];
  const points = [win.fromMs, win.toMs];
  for (const m of marks) {
    if (m.fromMs > win.fromMs && m.fromMs < win.toMs) points.push(m.fromMs);
    if (m.toMs > win.fromMs && m.toMs < win.toMs) points.push(m.toMs);
  }
  // A handful of points: insertion sort, without a comparator closure per call.
  for (let i = 1; i < points.length; i++) {
    const v = points[i]!;
    let j = i - 1;
    while (j >= 0 && points[j]! > v) {
      points[j + 1] = points[j]!;
      j--;
    }
    points[j + 1] = v;
  }
  const pieces: Piece[] = [];
  let prevMask = -1;
  let prevStart = 0;
  let prevEnd = 0;
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    if (b <= a) continue;
    let mask = 0;
    for (const m of marks) if (m.fromMs <= a && m.toMs >= b) mask |= BIT[m.kind];
    if (prevMask === mask && prevEnd === a) {
      prevEnd = b;
      continue;
    }
    if (prevMask !== -1) pieces.push({ startMs: prevStart, endMs: prevEnd, kinds: kindsOf(prevMask) });
    prevMask = mask;
    prevStart = a;
    prevEnd = b;
  }
  if (prevMask !== -1) pieces.push({ startMs: prevStart, endMs: prevEnd, kinds: kindsOf(prevMask) });
  return pieces;
}

export function toSegments(
  pieces: readonly Piece[],
  learnerId: string,
  s: SessionState,
  eventId: string,
): Segment[] {
  // Nearly every window is one piece: an array literal gets an exact-size store, push would reserve 17.
  if (pieces.length === 1) return [segmentOf(pieces[0]!, learnerId, s, eventId)];
  const out: Segment[] = [];
  for (const p of pieces) out.push(segmentOf(p, learnerId, s, eventId));
  return out;
}

/** The segments of a window without marks: the whole window, verified (none if it is empty). */
export function wholeWindow(win: Span, learnerId: string, s: SessionState, eventId: string): Segment[] {
  if (win.toMs <= win.fromMs) return [];
  return [segmentOf({ startMs: win.fromMs, endMs: win.toMs, kinds: NO_KINDS }, learnerId, s, eventId)];
}

function segmentOf(p: Piece, learnerId: string, s: SessionState, eventId: string): Segment {
  const a = s.attributes;
  const kinds: WithholdKind[] = [];
  const flagIds: string[] = [];
  // Index loops over kinds and overlaps: for-of over a frozen array (NO_KINDS) is not optimized and
  // allocates an iterator per window.
  for (let i = 0; i < p.kinds.length; i++) {
    const k = p.kinds[i]!;
    kinds.push(k);
    flagIds.push(flagIdFor(s.platformId, s.sessionId, k));
  }
  return {
    segmentId: segmentIdOf(s.platformId, s.sessionId, p.startMs),
    learnerId,
    platformId: s.platformId,
    sessionId: s.sessionId,
    courseId: a.courseId,
    deviceId: a.deviceId,
    occupation: a.occupation,
    region: a.region,
    learnerGroup: a.learnerGroup,
    startMs: p.startMs,
    endMs: p.endMs,
    status: kinds.length === 0 ? 'verified' : 'withheld',
    kinds,
    flagIds,
    eventId,
  };
}

/** Withheld ms per kind over the pieces of one window, in sorted kind order (kinds with none left out). */
export function withheldByKind(pieces: readonly Piece[]): [WithholdKind, number][] {
  const out: [WithholdKind, number][] = [];
  let any = false;
  for (const p of pieces) if (p.kinds.length > 0) any = true;
  if (!any) return out;
  for (const kind of SORTED_WITHHOLD_KINDS) {
    let ms = 0;
    for (const p of pieces) if (p.kinds.includes(kind)) ms += p.endMs - p.startMs;
    if (ms > 0) out.push([kind, ms]);
  }
  return out;
}
