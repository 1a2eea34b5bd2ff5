import { type Evidence, FLAG_KINDS, LEARNER_GROUPS, UNKNOWN } from '@hourglass/events';
import { isRing } from './dedupe';
import { StateFormatError } from './errors';
import type { Attributes, FlagState, LearnerState, SessionState } from './state';

/**
 * Compact serialization of a learner state: JSON of positional arrays, times of a session relative to its
 * start, `unknown` attributes as 0, flag kinds as indexes into FLAG_KINDS, absent trailing evidence
 * fields left off. The first element is the format version; a reader refuses versions it does not know.
 *
 *   learner  [1, learnerId, latestMs, ring, [session…]]
 *   session  [platformId, sessionId, bits(begun 1, hadStart 2, sharedDevice 4), startMs, last−start, lastSeq,
 *             intervalSec, A−start | null, mediaPosSec | null, end−start | null, courseId, deviceId,
 *             occupation, region, learnerGroup, version, touched−start, [flag…]]
 *   flag     [kindIndex, first−start, last−first, occurrences, withheldMs, version, [evidence…]]
 *   evidence [eventId, at−start, note, platformId?, sessionId?, learnerIds?]
 */
export const STATE_FORMAT = 1;

type Json = null | number | string | Json[];

function attr(v: string): Json {
  return v === UNKNOWN ? 0 : v;
}

function evidenceOut(e: Evidence, base: number): Json[] {
  const out: Json[] = [
    e.eventId,
    e.atMs - base,
    e.note,
    e.platformId ?? 0,
    e.sessionId ?? 0,
    e.learnerIds ?? 0,
  ];
  while (out[out.length - 1] === 0) out.pop();
  return out;
}

function flagOut(f: FlagState, base: number): Json[] {
  return [
    FLAG_KINDS.indexOf(f.kind),
    f.firstAtMs - base,
    f.lastAtMs - f.firstAtMs,
    f.occurrences,
    f.withheldMs,
    f.version,
    f.evidence.map((e) => evidenceOut(e, base)),
  ];
}

function sessionOut(s: SessionState): Json[] {
  const base = s.startMs;
  const a = s.attributes;
  return [
    s.platformId,
    s.sessionId,
    (s.begun ? 1 : 0) | (s.hadStart ? 2 : 0) | (s.sharedDevice ? 4 : 0),
    base,
    s.lastMs - base,
    s.lastSeq,
    s.intervalSec,
    s.activityMs === null ? null : s.activityMs - base,
    s.mediaPosSec,
    s.endMs === null ? null : s.endMs - base,
    attr(a.courseId),
    attr(a.deviceId),
    attr(a.occupation),
    attr(a.region),
    attr(a.learnerGroup),
    s.version,
    s.touchedMs - base,
    s.flags.map((f) => flagOut(f, base)),
  ];
}

export function serializeState(state: LearnerState): string {
  return JSON.stringify([
    STATE_FORMAT,
    state.learnerId,
    state.latestMs,
    state.seen,
    state.sessions.map(sessionOut),
  ]);
}

// Reading: the input comes from our own store, but a corrupted value must fail loudly here rather than
// turn into NaN times downstream.

function fail(what: string): never {
  throw new StateFormatError(what);
}

function arr(v: unknown, what: string): unknown[] {
  return Array.isArray(v) ? v : fail(`${what} is not an array`);
}

function num(v: unknown, what: string): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fail(`${what} is not a number`);
}

function numOrNull(v: unknown, what: string): number | null {
  return v === null ? null : num(v, what);
}

function str(v: unknown, what: string): string {
  return typeof v === 'string' ? v : fail(`${what} is not a string`);
}

function attrIn(v: unknown, what: string): string {
  return v === 0 ? UNKNOWN : str(v, what);
}

const GROUPS = new Set<string>([...LEARNER_GROUPS, UNKNOWN]);

function evidenceIn(raw: unknown, base: number): Evidence {
  const e = arr(raw, 'evidence');
  const out: Evidence = {
    eventId: str(e[0], 'evidence.eventId'),
    atMs: base + num(e[1], 'evidence.atMs'),
    note: str(e[2], 'evidence.note'),
  };
  if (e[3] !== undefined && e[3] !== 0) out.platformId = str(e[3], 'evidence.platformId');
  if (e[4] !== undefined && e[4] !== 0) out.sessionId = str(e[4], 'evidence.sessionId');
  if (e[5] !== undefined && e[5] !== 0) {
    out.learnerIds = arr(e[5], 'evidence.learnerIds').map((l) => str(l, 'evidence.learnerIds[]'));
  }
  return out;
}

function flagIn(raw: unknown, base: number): FlagState {
  const f = arr(raw, 'flag');
  const kind = FLAG_KINDS[num(f[0], 'flag.kind')] ?? fail('flag.kind is out of range');
  const firstAtMs = base + num(f[1], 'flag.firstAtMs');
  return {
    kind,
    firstAtMs,
    lastAtMs: firstAtMs + num(f[2], 'flag.lastAtMs'),
    occurrences: num(f[3], 'flag.occurrences'),
    withheldMs: num(f[4], 'flag.withheldMs'),
    version: num(f[5], 'flag.version'),
    evidence: arr(f[6], 'flag.evidence').map((e) => evidenceIn(e, base)),
  };
}

function sessionIn(raw: unknown): SessionState {
  const s = arr(raw, 'session');
  const bits = num(s[2], 'session.bits');
  const base = num(s[3], 'session.startMs');
  const activity = numOrNull(s[7], 'session.activityMs');
  const end = numOrNull(s[9], 'session.endMs');
  const learnerGroup = attrIn(s[14], 'session.learnerGroup');
  if (!GROUPS.has(learnerGroup)) fail('session.learnerGroup is not a learner group');
  const attributes: Attributes = {
    courseId: attrIn(s[10], 'session.courseId'),
    deviceId: attrIn(s[11], 'session.deviceId'),
    occupation: attrIn(s[12], 'session.occupation'),
    region: attrIn(s[13], 'session.region'),
    learnerGroup: learnerGroup as Attributes['learnerGroup'],
  };
  return {
    platformId: str(s[0], 'session.platformId'),
    sessionId: str(s[1], 'session.sessionId'),
    begun: (bits & 1) !== 0,
    hadStart: (bits & 2) !== 0,
    startMs: base,
    lastMs: base + num(s[4], 'session.lastMs'),
    lastSeq: num(s[5], 'session.lastSeq'),
    intervalSec: num(s[6], 'session.intervalSec'),
    activityMs: activity === null ? null : base + activity,
    mediaPosSec: numOrNull(s[8], 'session.mediaPosSec'),
    endMs: end === null ? null : base + end,
    attributes,
    sharedDevice: (bits & 4) !== 0,
    version: num(s[15], 'session.version'),
    touchedMs: base + num(s[16], 'session.touchedMs'),
    flags: arr(s[17], 'session.flags').map((f) => flagIn(f, base)),
  };
}

export function deserializeState(text: string): LearnerState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    fail('not JSON');
  }
  const l = arr(parsed, 'state');
  if (l[0] !== STATE_FORMAT) fail(`unknown format version ${JSON.stringify(l[0])}`);
  const seen = l[3];
  if (!isRing(seen)) fail('dedupe ring is malformed');
  return {
    learnerId: str(l[1], 'learnerId'),
    latestMs: numOrNull(l[2], 'latestMs'),
    seen,
    sessions: arr(l[4], 'sessions').map(sessionIn),
  };
}
