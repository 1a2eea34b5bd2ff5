import {
  type CertificateRecord,
  certificateRecordSchema,
  type DecisionRecord,
  decisionRecordSchema,
  type EventCountRecord,
  eventCountSchema,
  FLAG_KINDS,
  type FlagUpdate,
  flagUpdateSchema,
  hasLoneSurrogate,
  LEARNER_GROUPS,
  MAX_EVENT_MS,
  MIN_EVENT_MS,
  OCCUPATION,
  PLATFORM_ID,
  parseDay,
  REGION,
  rejectedEventSchema,
  type Segment,
  type SessionRecord,
  sessionRecordSchema,
  UNKNOWN,
  WITHHOLD_KINDS,
} from '@hourglass/events';
import { invalid } from './errors';
import { sameSessionAttributes } from './session-attributes';
import type { RejectedRow } from './types';

/**
 * Every row and query value is checked here before it is stored or reaches SQL. Both adapters run
 * the same checks, so bad input fails the same way everywhere (WarehouseError 'invalid'), and the
 * ClickHouse adapter only ever quotes values that already match the patterns of SPEC §2.
 */

const GROUPS = new Set<string>([...LEARNER_GROUPS, UNKNOWN]);
const WITHHOLD = new Set<string>(WITHHOLD_KINDS);
const FLAG_KIND_SET = new Set<string>(FLAG_KINDS);
// Date in ClickHouse (old and new) covers 1970-01-01..2105-12-31 at least: keep to that. Times keep to the
// events' own range (MIN_EVENT_MS..MAX_EVENT_MS), which is that less a day at each end for time zones.
const MIN_DAY = '1970-01-01';
const MAX_DAY = '2105-12-31';

function fail(what: string, value: unknown): never {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : String(value);
  throw invalid(`${what}: invalid value ${shown}`, what);
}

export function checkPattern(what: string, value: unknown, re: RegExp): string {
  if (typeof value !== 'string' || !re.test(value)) fail(what, value);
  return value;
}

/** Char codes allowed in an IDENTIFIER: [A-Za-z0-9._:-]. */
const ID_CHAR = (() => {
  const t = new Uint8Array(128);
  for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-')
    t[c.charCodeAt(0)] = 1;
  return t;
})();

/**
 * `IDENTIFIER.test(v)` for a string, by a loop over its char codes: two to four ids are checked per
 * stored segment, and the regex call cost several times this loop (validate.test.ts checks that
 * both agree on arbitrary strings).
 */
export function isIdentifier(v: string): boolean {
  const n = v.length;
  if (n === 0 || n > 128) return false;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c >= 128 || ID_CHAR[c] === 0) return false;
  }
  return true;
}

export function checkId(what: string, v: unknown): string {
  if (typeof v !== 'string' || !isIdentifier(v)) fail(what, v);
  return v;
}
export const checkPlatform = (what: string, v: unknown): string => checkPattern(what, v, PLATFORM_ID);

export function checkRegion(what: string, v: unknown): string {
  if (v !== UNKNOWN) checkPattern(what, v, REGION);
  return v as string;
}

export function checkOccupation(what: string, v: unknown): string {
  return checkPattern(what, v, OCCUPATION);
}

export function checkGroup(what: string, v: unknown): string {
  if (typeof v !== 'string' || !GROUPS.has(v)) fail(what, v);
  return v;
}

/** Epoch milliseconds inside the range every ClickHouse Date can hold. */
export function checkMs(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < MIN_EVENT_MS || v > MAX_EVENT_MS)
    fail(what, v);
  return v;
}

export function checkInt(what: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) fail(what, v);
  return v;
}

/** Free text (notes, names, raw payloads): any well-formed string up to `max` UTF-16 units. */
export function checkText(what: string, v: unknown, max: number, min = 0): string {
  if (typeof v !== 'string' || v.length > max || v.length < min || hasLoneSurrogate(v)) fail(what, v);
  return v;
}

/**
 * Free text whose limit is `max` characters (code points), as zod's `max` and JSON Schema's `maxLength`
 * count them in the schemas that admit it: a decision note of 2000 CJK Extension B ideographs is 4000
 * UTF-16 units.
 */
export function checkChars(what: string, v: unknown, max: number): string {
  const text = checkText(what, v, 2 * max);
  if (text.length > max && [...text].length > max) fail(what, v);
  return text;
}

export function checkDay(what: string, v: unknown): string {
  if (typeof v !== 'string' || parseDay(v) === null || v < MIN_DAY || v > MAX_DAY) fail(what, v);
  return v;
}

export function checkArray(what: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) fail(what, v);
  return v;
}

const NOT_CHECKED = Symbol('not checked');

/** Remembers values that passed a check, so a batch checks each repeated attribute value once. */
function memo(check: (what: string, v: unknown) => string): (what: string, v: unknown) => void {
  const ok = new Set<unknown>();
  // Rows come session by session, so most values equal the previous one: no hashing for those. Only
  // values that passed are remembered; `last` starts as none of them (undefined would let a missing
  // key through on the batch's first row).
  let last: unknown = NOT_CHECKED;
  return (what, v) => {
    if (v === last || ok.has(v)) {
      last = v;
      return;
    }
    check(what, v);
    ok.add(v);
    last = v;
  };
}

type AttributeCheck = (what: string, v: unknown) => unknown;
interface AttributeChecks {
  id: AttributeCheck;
  platform: AttributeCheck;
  occupation: AttributeCheck;
  region: AttributeCheck;
  group: AttributeCheck;
}
const PLAIN_CHECKS: AttributeChecks = {
  id: checkId,
  platform: checkPlatform,
  occupation: checkOccupation,
  region: checkRegion,
  group: checkGroup,
};

/** The attributes a session record and each of its segments carry: one list of checks for both. */
function checkSessionAttributes(
  what: 'segment' | 'session',
  s: Pick<
    Segment,
    | 'learnerId'
    | 'platformId'
    | 'sessionId'
    | 'courseId'
    | 'deviceId'
    | 'occupation'
    | 'region'
    | 'learnerGroup'
  >,
  c: AttributeChecks,
): void {
  c.id(`${what}.learnerId`, s.learnerId);
  c.platform(`${what}.platformId`, s.platformId);
  c.id(`${what}.sessionId`, s.sessionId);
  c.id(`${what}.courseId`, s.courseId);
  c.id(`${what}.deviceId`, s.deviceId);
  c.occupation(`${what}.occupation`, s.occupation);
  c.region(`${what}.region`, s.region);
  c.group(`${what}.learnerGroup`, s.learnerGroup);
}

/**
 * Checks a batch of segments. The attributes of a session (learner, platform, course, device,
 * codes) repeat on every one of its segments: a row whose attributes equal those of its session's
 * last checked row skips their checks (equal values passed already), and each distinct value is
 * pattern-checked once per batch. Rows of ~100 sessions interleave in a batch, so comparing with the
 * session's row costs one lookup where looking each value up cost eight.
 */
export function checkSegments(rows: Segment[]): void {
  if (!Array.isArray(rows)) fail('segments', rows);
  const checks: AttributeChecks = {
    id: memo(checkId),
    platform: memo(checkPlatform),
    occupation: memo(checkOccupation),
    region: memo(checkRegion),
    group: memo(checkGroup),
  };
  const checkedOf = new Map<unknown, Segment>();
  for (const s of rows) {
    if (typeof s !== 'object' || s === null) fail('segment', s);
    const checked = checkedOf.get(s.sessionId);
    if (checked === undefined || !sameSessionAttributes(checked, s)) {
      checkSessionAttributes('segment', s, checks);
      checkedOf.set(s.sessionId, s);
    }
    checkSegmentOwn(s);
  }
}

/** The checks of one segment's own (non-repeating) fields. */
function checkSegmentOwn(s: Segment): void {
  checkId('segment.segmentId', s.segmentId);
  checkMs('segment.startMs', s.startMs);
  checkMs('segment.endMs', s.endMs);
  if (s.endMs < s.startMs) fail('segment.endMs (before startMs)', s.endMs);
  checkId('segment.eventId', s.eventId);
  const kinds = checkArray('segment.kinds', s.kinds);
  const flagIds = checkArray('segment.flagIds', s.flagIds);
  for (const k of kinds) if (typeof k !== 'string' || !WITHHOLD.has(k)) fail('segment.kinds[]', k);
  for (const f of flagIds) checkId('segment.flagIds[]', f);
  if (s.status === 'verified') {
    // "empty iff verified": a verified segment carrying flags would be counted differently by readers.
    if (kinds.length > 0 || flagIds.length > 0) fail('segment.flagIds (verified segment with flags)', '');
  } else if (s.status === 'withheld') {
    // A withheld segment needs a flag to be reviewed through; without one it could never be decided.
    if (flagIds.length === 0 || flagIds.length > WITHHOLD_KINDS.length) {
      fail('segment.flagIds (withheld segment needs 1..5 flags)', flagIds.length);
    }
  } else fail('segment.status', s.status);
}

function checkEvidence(v: unknown): void {
  const list = checkArray('flag.evidence', v);
  if (list.length > 5) fail('flag.evidence (more than 5)', list.length);
  for (const e of list) {
    if (typeof e !== 'object' || e === null || Array.isArray(e)) fail('flag.evidence[]', e);
    const ev = e as Record<string, unknown>;
    checkText('flag.evidence[].eventId', ev.eventId, 256);
    checkInt('flag.evidence[].atMs', ev.atMs, Number.MIN_SAFE_INTEGER);
    checkText('flag.evidence[].note', ev.note, 2000);
    if (ev.platformId !== undefined) checkText('flag.evidence[].platformId', ev.platformId, 128);
    if (ev.sessionId !== undefined) checkText('flag.evidence[].sessionId', ev.sessionId, 128);
    if (ev.learnerIds !== undefined) {
      for (const l of checkArray('flag.evidence[].learnerIds', ev.learnerIds)) {
        checkText('flag.evidence[].learnerIds[]', l, 128);
      }
    }
  }
}

const keysOf = (shape: object, ...more: string[]): ReadonlySet<string> =>
  new Set([...Object.keys(shape), ...more]);
const FLAG_KEYS = keysOf(flagUpdateSchema.shape);
const SESSION_KEYS = keysOf(sessionRecordSchema.shape);
const CERTIFICATE_KEYS = keysOf(certificateRecordSchema.shape);
const DECISION_KEYS = keysOf(decisionRecordSchema.shape);
const REJECTED_KEYS = keysOf(rejectedEventSchema.shape, 'rowId');
const EVENT_COUNT_KEYS = keysOf(eventCountSchema.shape);

/**
 * A record with a key its message schema does not have is not a pipeline message. ClickHouse would
 * refuse the whole insert over it (JSONEachRow: unknown field) while the embedded store kept it, and a
 * refused write blocks every partition of its group; as invalid it is skipped by both instead.
 * (Segments are not checked here: they are written column by column, and this runs per row there.)
 */
function onlyKnownKeys(what: string, o: object, keys: ReadonlySet<string>): void {
  for (const k of Object.keys(o)) if (!keys.has(k)) fail(`${what} (unknown key)`, k);
}

export function checkFlag(f: FlagUpdate): void {
  if (typeof f !== 'object' || f === null) fail('flag', f);
  onlyKnownKeys('flag', f, FLAG_KEYS);
  checkId('flag.flagId', f.flagId);
  if (typeof f.kind !== 'string' || !FLAG_KIND_SET.has(f.kind)) fail('flag.kind', f.kind);
  checkId('flag.learnerId', f.learnerId);
  checkPlatform('flag.platformId', f.platformId);
  checkId('flag.sessionId', f.sessionId);
  checkMs('flag.firstAtMs', f.firstAtMs);
  checkMs('flag.lastAtMs', f.lastAtMs);
  checkInt('flag.occurrences', f.occurrences, 1, 0xffffffff);
  checkInt('flag.withheldMs', f.withheldMs, 0);
  checkInt('flag.version', f.version, 1);
  checkEvidence(f.evidence);
}

export function checkSession(s: SessionRecord): void {
  if (typeof s !== 'object' || s === null) fail('session', s);
  onlyKnownKeys('session', s, SESSION_KEYS);
  checkSessionAttributes('session', s, PLAIN_CHECKS);
  checkMs('session.startMs', s.startMs);
  if (s.endMs !== null) checkMs('session.endMs', s.endMs);
  checkInt('session.version', s.version, 1);
}

export function checkCertificate(c: CertificateRecord): void {
  if (typeof c !== 'object' || c === null) fail('certificate', c);
  onlyKnownKeys('certificate', c, CERTIFICATE_KEYS);
  checkId('certificate.certificateId', c.certificateId);
  checkPlatform('certificate.platformId', c.platformId);
  checkId('certificate.learnerId', c.learnerId);
  checkId('certificate.courseId', c.courseId);
  if (typeof c.requiredHours !== 'number' || !Number.isFinite(c.requiredHours) || c.requiredHours <= 0) {
    fail('certificate.requiredHours', c.requiredHours);
  }
  checkMs('certificate.issuedAtMs', c.issuedAtMs);
  checkId('certificate.eventId', c.eventId);
}

export function checkDecision(d: DecisionRecord): void {
  if (typeof d !== 'object' || d === null) fail('decision', d);
  onlyKnownKeys('decision', d, DECISION_KEYS);
  checkId('decision.decisionId', d.decisionId);
  checkId('decision.flagId', d.flagId);
  if (d.decision !== 'approve' && d.decision !== 'reject') fail('decision.decision', d.decision);
  checkChars('decision.note', d.note, 2000);
  checkText('decision.by', d.by, 256, 1);
  checkMs('decision.atMs', d.atMs);
  checkInt('decision.coversUntilMs', d.coversUntilMs, Number.MIN_SAFE_INTEGER);
}

/** Rejected events are whatever a platform sent: only what we key on or sum by is constrained. */
export function checkRejected(r: RejectedRow): void {
  if (typeof r !== 'object' || r === null) fail('rejected', r);
  onlyKnownKeys('rejected', r, REJECTED_KEYS);
  checkText('rejected.rowId', r.rowId, 512, 1);
  checkText('rejected.platformId', r.platformId, 128);
  checkText('rejected.receivedAt', r.receivedAt, 64);
  if (r.source !== 'ingest' && r.source !== 'replay') fail('rejected.source', r.source);
  checkInt('rejected.index', r.index, 0, 0xffffffff);
  if (r.id !== null) checkText('rejected.id', r.id, 1024);
  if (r.type !== null) checkText('rejected.type', r.type, 1024);
  for (const e of checkArray('rejected.errors', r.errors)) {
    if (typeof e !== 'object' || e === null) fail('rejected.errors[]', e);
    const fe = e as Record<string, unknown>;
    checkText('rejected.errors[].path', fe.path, 1024);
    checkText('rejected.errors[].code', fe.code, 256);
    checkText('rejected.errors[].message', fe.message, 4096);
  }
  checkText('rejected.raw', r.raw, 256 * 1024);
  if (typeof r.truncated !== 'boolean') fail('rejected.truncated', r.truncated);
}

export function checkEventCount(c: EventCountRecord): void {
  if (typeof c !== 'object' || c === null) fail('count', c);
  onlyKnownKeys('count', c, EVENT_COUNT_KEYS);
  checkText('count.countId', c.countId, 512, 1);
  checkPlatform('count.platformId', c.platformId);
  checkDay('count.day', c.day);
  checkInt('count.accepted', c.accepted, 0);
  if (c.segments !== undefined) checkInt('count.segments', c.segments, 0);
  if (c.through !== undefined) checkInt('count.through', c.through, 0);
}

export function checkRows<T>(what: string, rows: T[], check: (row: T) => void): void {
  if (!Array.isArray(rows)) fail(what, rows);
  for (const row of rows) check(row);
}
