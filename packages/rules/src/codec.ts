import { type Evidence, FLAG_KINDS, intText, LEARNER_GROUPS, UNKNOWN } from '@hourglass/events';
import { isRing } from './dedupe';
import { StateFormatError } from './errors';
import type { Attributes, FlagState, LearnerState, SessionState } from './state';

/**
 * Compact serialization of a learner state: one flat list of fields separated by `|`, nesting given by
 * counts. Not JSON: the detector reads and writes one state per learner per batch, and JSON.parse /
 * JSON.stringify of nested arrays plus walking them cost several µs a state. Here the writer appends
 * to one string and the reader walks the text once, reading numbers in place (no substring per field).
 *
 *   learner  2 | learnerId | latestMs | ring | #sessions | session…
 *            3 | learnerId | latestMs | floorMs | ring | #sessions | session…   (a learner with a floor)
 *   session  platformId | sessionId | bits(begun 1, hadStart 2, sharedDevice 4) | start−latest |
 *            last−start | lastSeq | intervalSec | A−start | mediaPosSec | end−start | courseId | deviceId |
 *            occupation | region | learnerGroup index | version | touched−start | #flags | flag…
 *   flag     kind index | first−start | last−first | occurrences | withheldMs | version | #evidence | evidence…
 *   evidence eventId | at−start | note | bits(platformId 1, sessionId 2, learnerIds 4) | [platformId] |
 *            [sessionId] | [#learnerIds | learnerId…]
 *   end      `.` after the last session, so that a truncated text is refused rather than misread
 *
 * Numbers are decimal; an empty field is null (latestMs, A, mediaPosSec, end) or `unknown` (attributes).
 * A string that contains `|`, starts with `%` or is empty where empty means something else is written
 * as `%` + its JSON with `|` escaped, so any string round-trips. Format 1 (JSON) is not read any more.
 * Format 3 is written only for a state with a floor (session-cap.ts), so nearly every state stays in
 * format 2, which detectors from before the cap read too (a rolling deploy mixes both).
 */
export const STATE_FORMAT = 2;
const FLOOR_FORMAT = 3;

const SEP = '|';
const SEP_CODE = 124;
const ESCAPED = 37; // '%'
const END = '.';

function str(s: string): string {
  return s.length > 0 && s.charCodeAt(0) !== ESCAPED && s.indexOf(SEP) === -1 ? s : escaped(s);
}

function escaped(s: string): string {
  return `%${JSON.stringify(s).replaceAll(SEP, '\\u007c')}`;
}

function attr(v: string): string {
  return v === UNKNOWN ? '' : str(v);
}

/**
 * The fields of the state being written, joined by `|` at the end. Array#join sizes the result once
 * and copies each field into it; appending with templates made a rope of ~2 KB of pieces per state that
 * were garbage straight after the flattening copy. Reused: one state is written at a time.
 */
const fields: (string | number)[] = [];

function evidenceOut(e: Evidence, base: number): void {
  const bits =
    (e.platformId !== undefined ? 1 : 0) |
    (e.sessionId !== undefined ? 2 : 0) |
    (e.learnerIds !== undefined ? 4 : 0);
  fields.push(str(e.eventId), e.atMs - base, str(e.note), bits);
  if (e.platformId !== undefined) fields.push(str(e.platformId));
  if (e.sessionId !== undefined) fields.push(str(e.sessionId));
  if (e.learnerIds !== undefined) {
    fields.push(e.learnerIds.length);
    for (const l of e.learnerIds) fields.push(str(l));
  }
}

function flagOut(f: FlagState, base: number): void {
  fields.push(
    FLAG_KINDS.indexOf(f.kind),
    f.firstAtMs - base,
    f.lastAtMs - f.firstAtMs,
    f.occurrences,
    f.withheldMs,
    f.version,
    f.evidence.length,
  );
  for (const e of f.evidence) evidenceOut(e, base);
}

function sessionOut(s: SessionState, latest: number): void {
  const base = s.startMs;
  const a = s.attributes;
  fields.push(
    str(s.platformId),
    str(s.sessionId),
    (s.begun ? 1 : 0) | (s.hadStart ? 2 : 0) | (s.sharedDevice ? 4 : 0),
    base - latest,
    s.lastMs - base,
    s.lastSeq,
    s.intervalSec,
    s.activityMs === null ? '' : s.activityMs - base,
    s.mediaPosSec === null ? '' : s.mediaPosSec,
    s.endMs === null ? '' : s.endMs - base,
    attr(a.courseId),
    attr(a.deviceId),
    attr(a.occupation),
    attr(a.region),
    a.learnerGroup === UNKNOWN ? '' : LEARNER_GROUPS.indexOf(a.learnerGroup),
    s.version,
    s.touchedMs - base,
    s.flags.length,
  );
  for (const f of s.flags) flagOut(f, base);
}

export function serializeState(state: LearnerState): string {
  const latest = state.latestMs ?? 0;
  fields.length = 0;
  fields.push(
    state.floorMs === null ? STATE_FORMAT : FLOOR_FORMAT,
    str(state.learnerId),
    state.latestMs === null ? '' : intText(state.latestMs),
  );
  if (state.floorMs !== null) fields.push(intText(state.floorMs));
  fields.push(state.seen, state.sessions.length);
  for (const s of state.sessions) sessionOut(s, latest);
  fields.push(END);
  const out = fields.join(SEP);
  fields.length = 0;
  return out;
}

// Reading: the input comes from our own store, but a corrupted value must fail loudly here rather than
// turn into NaN times downstream. Every field is checked for its shape, and the text must end exactly
// with the end mark after the last one.

function fail(what: string): never {
  throw new StateFormatError(what);
}

const GROUPS: readonly string[] = LEARNER_GROUPS;

class Reader {
  private readonly text: string;
  private pos = 0;

  constructor(text: string) {
    this.text = text;
  }

  /** Steps over the separator after a field; the last field ends the text instead. */
  private endField(what: string): void {
    const c = this.text.charCodeAt(this.pos);
    if (c === SEP_CODE) this.pos++;
    else if (this.pos === this.text.length) this.pos++;
    else fail(`${what} is malformed`);
  }

  end(): void {
    if (this.raw('end mark') !== END || this.pos !== this.text.length + 1) fail('trailing or missing fields');
  }

  private isEmptyField(): boolean {
    if (this.pos > this.text.length) fail('truncated');
    const c = this.text.charCodeAt(this.pos);
    return c === SEP_CODE || this.pos === this.text.length;
  }

  private raw(what: string): string {
    if (this.pos > this.text.length) fail(`${what} is missing (truncated)`);
    let end = this.text.indexOf(SEP, this.pos);
    if (end === -1) end = this.text.length;
    const v = this.text.slice(this.pos, end);
    this.pos = end;
    this.endField(what);
    return v;
  }

  str(what: string): string {
    const v = this.raw(what);
    if (v.charCodeAt(0) !== ESCAPED) return v;
    let out: unknown;
    try {
      out = JSON.parse(v.slice(1));
    } catch {
      fail(`${what} is not a valid escaped string`);
    }
    return typeof out === 'string' ? out : fail(`${what} is not a string`);
  }

  /** A decimal integer, strictly: an optional minus sign and 1–16 digits, read in place. */
  int(what: string): number {
    const t = this.text;
    let i = this.pos;
    const negative = t.charCodeAt(i) === 45;
    if (negative) i++;
    const first = i;
    let x = 0;
    for (;;) {
      const d = t.charCodeAt(i) - 48;
      if (!(d >= 0 && d <= 9)) break;
      x = x * 10 + d;
      i++;
    }
    // 16 digits reach past 2^53, where the writer could not write the value back as it was read.
    if (i === first || i - first > 16 || x > Number.MAX_SAFE_INTEGER) fail(`${what} is not an integer`);
    this.pos = i;
    this.endField(what);
    return negative ? -x : x;
  }

  /** A count, an index, a version or an amount: an integer ≥ 0, as the writer only writes them. */
  nat(what: string): number {
    const x = this.int(what);
    return x >= 0 ? x : fail(`${what} is negative`);
  }

  intOrNull(what: string): number | null {
    if (!this.isEmptyField()) return this.int(what);
    this.endField(what);
    return null;
  }

  numOrNull(what: string): number | null {
    if (this.isEmptyField()) {
      this.endField(what);
      return null;
    }
    const v = this.raw(what);
    const n = Number(v);
    return Number.isFinite(n) && v.trim() === v ? n : fail(`${what} is not a number`);
  }

  attr(what: string): string {
    if (!this.isEmptyField()) return this.str(what);
    this.endField(what);
    return UNKNOWN;
  }

  /** The ring is stored as is: base64url never contains the separator. */
  ring(): string {
    const v = this.raw('dedupe ring');
    return isRing(v) ? v : fail('dedupe ring is malformed');
  }
}

function evidenceIn(r: Reader, base: number): Evidence {
  const out: Evidence = {
    eventId: r.str('evidence.eventId'),
    atMs: base + r.int('evidence.atMs'),
    note: r.str('evidence.note'),
  };
  const bits = r.nat('evidence.bits');
  if (bits & 1) out.platformId = r.str('evidence.platformId');
  if (bits & 2) out.sessionId = r.str('evidence.sessionId');
  if (bits & 4) {
    const n = r.nat('evidence.learnerIds');
    const ids: string[] = [];
    for (let k = 0; k < n; k++) ids.push(r.str('evidence.learnerIds[]'));
    out.learnerIds = ids;
  }
  return out;
}

function flagIn(r: Reader, base: number): FlagState {
  const kind = FLAG_KINDS[r.nat('flag.kind')] ?? fail('flag.kind is out of range');
  const firstAtMs = base + r.int('flag.firstAtMs');
  const lastAtMs = firstAtMs + r.int('flag.lastAtMs');
  const occurrences = r.nat('flag.occurrences');
  const withheldMs = r.nat('flag.withheldMs');
  const version = r.nat('flag.version');
  const n = r.nat('flag.evidence');
  const evidence: Evidence[] = [];
  for (let k = 0; k < n; k++) evidence.push(evidenceIn(r, base));
  return { kind, firstAtMs, lastAtMs, occurrences, withheldMs, version, evidence };
}

function sessionIn(r: Reader, latest: number): SessionState {
  const platformId = r.str('session.platformId');
  const sessionId = r.str('session.sessionId');
  const bits = r.nat('session.bits');
  const base = latest + r.int('session.startMs');
  const lastMs = base + r.int('session.lastMs');
  const lastSeq = r.int('session.lastSeq'); // -1 before the first heartbeat
  const intervalSec = r.nat('session.intervalSec');
  const activity = r.intOrNull('session.activityMs');
  const mediaPosSec = r.numOrNull('session.mediaPosSec');
  const end = r.intOrNull('session.endMs');
  const courseId = r.attr('session.courseId');
  const deviceId = r.attr('session.deviceId');
  const occupation = r.attr('session.occupation');
  const region = r.attr('session.region');
  const group = r.intOrNull('session.learnerGroup');
  const learnerGroup =
    group === null ? UNKNOWN : (GROUPS[group] ?? fail('session.learnerGroup is out of range'));
  const attributes: Attributes = {
    courseId,
    deviceId,
    occupation,
    region,
    learnerGroup: learnerGroup as Attributes['learnerGroup'],
  };
  const version = r.nat('session.version');
  const touchedMs = base + r.int('session.touchedMs');
  const n = r.nat('session.flags');
  const flags: FlagState[] = [];
  for (let k = 0; k < n; k++) flags.push(flagIn(r, base));
  return {
    platformId,
    sessionId,
    begun: (bits & 1) !== 0,
    hadStart: (bits & 2) !== 0,
    startMs: base,
    lastMs,
    lastSeq,
    intervalSec,
    activityMs: activity === null ? null : base + activity,
    mediaPosSec,
    endMs: end === null ? null : base + end,
    attributes,
    sharedDevice: (bits & 4) !== 0,
    version,
    touchedMs,
    flags,
  };
}

export function deserializeState(text: string): LearnerState {
  const withFloor = text.startsWith(`${FLOOR_FORMAT}${SEP}`);
  if (!withFloor && !text.startsWith(`${STATE_FORMAT}${SEP}`))
    fail(`unknown format version, starts with ${JSON.stringify(text.slice(0, 8))}`);
  const r = new Reader(text);
  r.int('format');
  const learnerId = r.str('learnerId');
  const latestMs = r.intOrNull('latestMs');
  const floorMs = withFloor ? r.int('floorMs') : null;
  const seen = r.ring();
  const n = r.nat('sessions');
  const sessions: SessionState[] = [];
  for (let k = 0; k < n; k++) sessions.push(sessionIn(r, latestMs ?? 0));
  r.end();
  return { learnerId, latestMs, floorMs, seen, sessions };
}
