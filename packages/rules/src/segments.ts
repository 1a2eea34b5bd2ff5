import { type Segment, segmentIdOf, WITHHOLD_KINDS, type WithholdKind } from '@hourglass/events';
import { flagIdFor } from './flags';
import type { SessionState } from './state';
import type { Mark, Span } from './window';

/** Kinds on a segment are sorted by name, so equal sets always read the same. */
export const SORTED_WITHHOLD_KINDS: readonly WithholdKind[] = [...WITHHOLD_KINDS].sort();
const BIT = new Map<WithholdKind, number>(SORTED_WITHHOLD_KINDS.map((k, i) => [k, 1 << i]));

export interface Piece {
  readonly startMs: number;
  readonly endMs: number;
  readonly kinds: readonly WithholdKind[];
}

function kindsOf(mask: number): WithholdKind[] {
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
  if (marks.length === 0) return [{ startMs: win.fromMs, endMs: win.toMs, kinds: [] }];
  const points = [win.fromMs, win.toMs];
  for (const m of marks) {
    if (m.fromMs > win.fromMs && m.fromMs < win.toMs) points.push(m.fromMs);
    if (m.toMs > win.fromMs && m.toMs < win.toMs) points.push(m.toMs);
  }
  points.sort((a, b) => a - b);
  const pieces: { startMs: number; endMs: number; mask: number }[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    if (b <= a) continue;
    let mask = 0;
    for (const m of marks) if (m.fromMs <= a && m.toMs >= b) mask |= BIT.get(m.kind)!;
    const prev = pieces[pieces.length - 1];
    if (prev !== undefined && prev.mask === mask && prev.endMs === a) prev.endMs = b;
    else pieces.push({ startMs: a, endMs: b, mask });
  }
  return pieces.map((p) => ({ startMs: p.startMs, endMs: p.endMs, kinds: kindsOf(p.mask) }));
}

export function toSegments(
  pieces: readonly Piece[],
  learnerId: string,
  s: SessionState,
  eventId: string,
): Segment[] {
  const a = s.attributes;
  return pieces.map((p) => ({
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
    status: p.kinds.length === 0 ? 'verified' : 'withheld',
    kinds: [...p.kinds],
    flagIds: p.kinds.map((k) => flagIdFor(s.platformId, s.sessionId, k)),
    eventId,
  }));
}

/** Withheld ms per kind over the pieces of one window, in sorted kind order (kinds with none left out). */
export function withheldByKind(pieces: readonly Piece[]): [WithholdKind, number][] {
  const ms = new Array<number>(SORTED_WITHHOLD_KINDS.length).fill(0);
  for (const p of pieces) {
    for (const k of p.kinds) ms[SORTED_WITHHOLD_KINDS.indexOf(k)]! += p.endMs - p.startMs;
  }
  const out: [WithholdKind, number][] = [];
  ms.forEach((v, i) => {
    if (v > 0) out.push([SORTED_WITHHOLD_KINDS[i]!, v]);
  });
  return out;
}
