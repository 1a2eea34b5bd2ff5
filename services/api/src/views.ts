import type { DecisionRecord, Evidence } from '@hourglass/events';
import { toIso } from '@hourglass/events';
import type { FlagView, SegmentView, SessionTimeline } from '@hourglass/warehouse';

/**
 * Warehouse rows (epoch ms, durations in ms) to the API's JSON (RFC 3339 UTC times, seconds or
 * hours), with the field names of SPEC §4/§5.
 */

export function renderEvidence(e: Evidence) {
  const out: Record<string, unknown> = { eventId: e.eventId, at: toIso(e.atMs), note: e.note };
  if (e.platformId !== undefined) out.platformId = e.platformId;
  if (e.sessionId !== undefined) out.sessionId = e.sessionId;
  if (e.learnerIds !== undefined) out.learnerIds = e.learnerIds;
  return out;
}

export function renderDecision(d: DecisionRecord) {
  return {
    decisionId: d.decisionId,
    decision: d.decision,
    note: d.note,
    by: d.by,
    at: toIso(d.atMs),
    coversUntil: toIso(d.coversUntilMs),
  };
}

export function renderFlag(f: FlagView) {
  return {
    flagId: f.flagId,
    kind: f.kind,
    learnerId: f.learnerId,
    platformId: f.platformId,
    sessionId: f.sessionId,
    firstAt: toIso(f.firstAtMs),
    lastAt: toIso(f.lastAtMs),
    occurrences: f.occurrences,
    withheldSeconds: f.withheldMs / 1000,
    evidence: f.evidence.map(renderEvidence),
    status: f.status,
    decisions: f.decisions.map(renderDecision),
  };
}
export type FlagJson = ReturnType<typeof renderFlag>;

/** CSV columns of a flag; evidence and decisions are JSON texts (quoted by the CSV writer). */
export const FLAG_COLUMNS = [
  'flagId',
  'kind',
  'learnerId',
  'platformId',
  'sessionId',
  'firstAt',
  'lastAt',
  'occurrences',
  'withheldSeconds',
  'status',
  'evidence',
  'decisions',
] as const;

export function flagCells(f: FlagJson): unknown[] {
  return FLAG_COLUMNS.map((c) => f[c]);
}

export function renderSegment(s: SegmentView) {
  return {
    segmentId: s.segmentId,
    start: toIso(s.startMs),
    end: toIso(s.endMs),
    seconds: (s.endMs - s.startMs) / 1000,
    status: s.status,
    effective: s.effective,
    kinds: s.kinds,
    flagIds: s.flagIds,
    eventId: s.eventId,
  };
}

/**
 * The timeline of one session. Attributes come from the session record; if that has not reached
 * the warehouse yet (topics are consumed independently) they come from the latest segment.
 */
export function renderSession(platformId: string, sessionId: string, t: SessionTimeline) {
  const s = t.session;
  const last = t.segments.at(-1);
  const decisions = t.flags
    .flatMap((f) => f.decisions)
    .sort(
      (a, b) => a.atMs - b.atMs || (a.decisionId < b.decisionId ? -1 : a.decisionId > b.decisionId ? 1 : 0),
    )
    .map((d) => ({ flagId: d.flagId, ...renderDecision(d) }));
  return {
    platformId,
    sessionId,
    learnerId: s?.learnerId ?? last?.learnerId ?? t.flags[0]?.learnerId ?? 'unknown',
    courseId: s?.courseId ?? last?.courseId ?? 'unknown',
    deviceId: s?.deviceId ?? last?.deviceId ?? 'unknown',
    occupation: s?.occupation ?? last?.occupation ?? 'unknown',
    region: s?.region ?? last?.region ?? 'unknown',
    learnerGroup: s?.learnerGroup ?? last?.learnerGroup ?? 'unknown',
    start: s ? toIso(s.startMs) : t.segments[0] ? toIso(t.segments[0].startMs) : null,
    end: s?.endMs != null ? toIso(s.endMs) : null,
    segments: t.segments.map(renderSegment),
    flags: t.flags.map(renderFlag),
    decisions,
  };
}
