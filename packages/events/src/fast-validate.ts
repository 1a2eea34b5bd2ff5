import { fastParseTimestamp } from './fast-time';
import { IDENTIFIER, LEARNER_GROUPS, OCCUPATION, PLATFORM_ID, REGION } from './patterns';
import { type AcceptedEvent, EXT_MAX_BYTES } from './schemas';
import { MAX_AGE_MS, MAX_EVENT_MS, MAX_FUTURE_MS, MIN_EVENT_MS } from './validate';

/**
 * A hand-written fast path for the common case: it either accepts an event exactly as validateEvent
 * would (same verdict, same accepted event) or answers null, "not sure", and the caller runs
 * validateEvent, which also produces the reasons for rejections. It never rejects on its own, so a gap
 * here costs speed, never correctness; the differential tests (fast-validate.test.ts) hold it to
 * validateEvent. Why: zod takes ~6-11 µs per event, this ~0.5 µs, and ingest validates every event
 * (and the detector every event it consumes, in replay form: each event carries its receivedAt).
 */

export interface FastContext {
  /** Ingest: the token's platform. Replay: absent (each event carries its own receivedAt). */
  platformId?: string;
  /** Ingest: server receipt time and its ISO form (computed once per request). */
  receivedAtMs?: number;
  receivedAtIso?: string;
}

const GROUPS = new Set<string>(LEARNER_GROUPS);
const REASONS = new Set(['completed', 'exited', 'timeout']);
const ENVELOPE = ['id', 'time', 'platformId', 'learnerId', 'sessionId', 'ext', 'type'];
/** The top-level keys each event type may carry (receivedAt only on replay). */
export const EVENT_KEYS: Readonly<Record<string, ReadonlySet<string>>> = {
  'session.start': new Set([...ENVELOPE, 'courseId', 'deviceId', 'occupation', 'region', 'learnerGroup']),
  heartbeat: new Set([
    ...ENVELOPE,
    'courseId',
    'seq',
    'intervalSec',
    'focus',
    'interactions',
    'media',
    'presence',
  ]),
  'session.end': new Set([...ENVELOPE, 'reason']),
  'quiz.submitted': new Set([
    ...ENVELOPE,
    'courseId',
    'quizId',
    'questions',
    'correct',
    'durationSec',
    'answersDigest',
  ]),
  'certificate.issued': new Set([...ENVELOPE, 'courseId', 'certificateId', 'requiredHours']),
};

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const ident = (v: unknown): boolean => typeof v === 'string' && IDENTIFIER.test(v);
const int = (v: unknown, min: number, max: number): boolean =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function extOk(ext: unknown): boolean {
  if (!isObj(ext)) return false;
  let text: string;
  try {
    text = JSON.stringify(ext);
  } catch {
    return false;
  }
  // Keys that validateEvent treats specially (or that could be) send the event down the full path.
  if (text.includes('"__proto__"') || text.includes('"constructor"') || text.includes('\\u')) return false;
  return Buffer.byteLength(text, 'utf8') <= EXT_MAX_BYTES;
}

function mediaOk(m: unknown): boolean {
  if (!isObj(m)) return false;
  let n = 0;
  for (const k in m) {
    if (k !== 'positionSec' && k !== 'rate' && k !== 'playing') return false;
    n++;
  }
  if (!(num(m.positionSec) && m.positionSec >= 0) || typeof m.playing !== 'boolean') return false;
  if (n === 3) return num(m.rate) && m.rate >= 0.25 && m.rate <= 16;
  return n === 2;
}

function typeFieldsOk(type: string, e: Obj): boolean {
  switch (type) {
    case 'heartbeat':
      return (
        ident(e.courseId) &&
        int(e.seq, 0, 2 ** 31 - 1) &&
        int(e.intervalSec, 5, 300) &&
        typeof e.focus === 'boolean' &&
        int(e.interactions, 0, 100_000) &&
        (e.media === undefined || mediaOk(e.media)) &&
        (e.presence === undefined || e.presence === 'passed' || e.presence === 'failed')
      );
    case 'session.start':
      return (
        ident(e.courseId) &&
        ident(e.deviceId) &&
        (e.occupation === undefined || (typeof e.occupation === 'string' && OCCUPATION.test(e.occupation))) &&
        (e.region === undefined || (typeof e.region === 'string' && REGION.test(e.region))) &&
        (e.learnerGroup === undefined || (typeof e.learnerGroup === 'string' && GROUPS.has(e.learnerGroup)))
      );
    case 'session.end':
      return e.reason === undefined || (typeof e.reason === 'string' && REASONS.has(e.reason));
    case 'quiz.submitted':
      return (
        ident(e.courseId) &&
        ident(e.quizId) &&
        int(e.questions, 1, 1000) &&
        int(e.correct, 0, e.questions as number) &&
        num(e.durationSec) &&
        e.durationSec >= 0 &&
        (e.answersDigest === undefined ||
          (typeof e.answersDigest === 'string' && e.answersDigest.length <= 128))
      );
    case 'certificate.issued':
      return (
        ident(e.courseId) &&
        ident(e.certificateId) &&
        num(e.requiredHours) &&
        e.requiredHours > 0 &&
        e.requiredHours <= 1000
      );
    default:
      return false;
  }
}

/**
 * The accepted event if `raw` is certainly valid, else null (then ask validateEvent). On success `raw`
 * itself is returned, stamped with receivedAt (ingest): callers must not reuse it as unvalidated input.
 */
export function fastValidate(raw: unknown, ctx: FastContext): AcceptedEvent | null {
  if (!isObj(raw)) return null;
  const type = raw.type;
  if (typeof type !== 'string') return null;
  // Own keys only: a type such as "__proto__" or "constructor" must not find Object.prototype's.
  const allowed = Object.hasOwn(EVENT_KEYS, type) ? EVENT_KEYS[type] : undefined;
  if (allowed === undefined) return null;
  const replay = ctx.receivedAtMs === undefined;
  for (const k in raw) {
    if (!allowed.has(k) && !(replay && k === 'receivedAt')) return null;
  }
  // for..in skips a "__proto__" own key only if it is not enumerable; JSON.parse makes it enumerable,
  // and it is not in `allowed`, so it was caught above.
  const { platformId } = raw;
  if (typeof platformId !== 'string' || !PLATFORM_ID.test(platformId)) return null;
  if (ctx.platformId !== undefined && platformId !== ctx.platformId) return null;
  if (!ident(raw.id) || !ident(raw.learnerId)) return null;
  if (raw.sessionId === undefined ? type !== 'certificate.issued' : !ident(raw.sessionId)) return null;
  if (raw.ext !== undefined && !extOk(raw.ext)) return null;
  if (!typeFieldsOk(type, raw)) return null;

  if (typeof raw.time !== 'string') return null;
  const timeMs = fastParseTimestamp(raw.time);
  let receivedAtMs = ctx.receivedAtMs;
  if (replay) {
    if (typeof raw.receivedAt !== 'string') return null;
    receivedAtMs = fastParseTimestamp(raw.receivedAt) ?? undefined;
  }
  if (timeMs === null || receivedAtMs === undefined) return null;
  if (timeMs > receivedAtMs + MAX_FUTURE_MS || timeMs < receivedAtMs - MAX_AGE_MS) return null;
  if (receivedAtMs < MIN_EVENT_MS || receivedAtMs > MAX_EVENT_MS) return null;
  if (timeMs < MIN_EVENT_MS || timeMs > MAX_EVENT_MS) return null;

  // The parsed request is ours alone: stamping it in place saves copying every event.
  if (!replay) raw.receivedAt = ctx.receivedAtIso ?? new Date(receivedAtMs).toISOString();
  return raw as unknown as AcceptedEvent;
}
