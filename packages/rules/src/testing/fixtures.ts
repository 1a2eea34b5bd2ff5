import type {
  AcceptedEvent,
  FlagUpdate,
  Media,
  Segment,
  SessionRecord,
  WithholdKind,
} from '@hourglass/events';
import { DEFAULT_POLICY, type Policy, type PolicyFor } from '../policy';
import { runSequence } from '../run';
import type { LearnerState } from '../state';

/**
 * Tiny builders for literal test events. Times are full RFC 3339 strings or, for brevity, `HH:MM:SS[.mmm]`
 * on the fixture day 2026-03-01 (UTC). Defaults: learner L1, platform p1, session S1, course C1, device D1,
 * receivedAt = time, heartbeats every 30 s with focus and one interaction (i.e. active).
 */
export const DAY = '2026-03-01';

export function iso(t: string): string {
  if (/^\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(t)) return `${DAY}T${t.length === 5 ? `${t}:00` : t}Z`;
  return t;
}

export function ms(t: string): number {
  const v = Date.parse(iso(t));
  if (Number.isNaN(v)) throw new RangeError(`bad fixture time ${t}`);
  return v;
}

interface Common {
  t: string;
  /** receivedAt; defaults to t. */
  r?: string;
  id?: string;
  learner?: string;
  platform?: string;
  session?: string;
}

function envelope(c: Common, id: string) {
  return {
    id: c.id ?? id,
    time: iso(c.t),
    receivedAt: iso(c.r ?? c.t),
    platformId: c.platform ?? 'p1',
    learnerId: c.learner ?? 'L1',
    sessionId: c.session ?? 'S1',
  };
}

function key(c: Common): string {
  return `${c.learner ?? 'L1'}-${c.platform ?? 'p1'}-${c.session ?? 'S1'}`;
}

export function hb(
  o: Common & {
    seq: number;
    course?: string;
    interval?: number;
    focus?: boolean;
    interactions?: number;
    media?: Media;
    presence?: 'passed' | 'failed';
  },
): AcceptedEvent {
  return {
    ...envelope(o, `hb-${key(o)}-${o.seq}-${o.t}`),
    type: 'heartbeat',
    courseId: o.course ?? 'C1',
    seq: o.seq,
    intervalSec: o.interval ?? 30,
    focus: o.focus ?? true,
    interactions: o.interactions ?? 1,
    ...(o.media ? { media: o.media } : {}),
    ...(o.presence ? { presence: o.presence } : {}),
  };
}

/** A heartbeat that is not active: no focus, no interactions. */
export function idleHb(o: Parameters<typeof hb>[0]): AcceptedEvent {
  return hb({ focus: false, interactions: 0, ...o });
}

export function start(
  o: Common & {
    course?: string;
    device?: string;
    occupation?: string;
    region?: string;
    learnerGroup?:
      | 'migrant_worker'
      | 'unemployed'
      | 'graduate'
      | 'poverty_laborer'
      | 'enterprise_employee'
      | 'other';
  },
): AcceptedEvent {
  return {
    ...envelope(o, `start-${key(o)}-${o.t}`),
    type: 'session.start',
    courseId: o.course ?? 'C1',
    deviceId: o.device ?? 'D1',
    ...(o.occupation ? { occupation: o.occupation } : {}),
    ...(o.region ? { region: o.region } : {}),
    ...(o.learnerGroup ? { learnerGroup: o.learnerGroup } : {}),
  };
}

export function end(o: Common & { reason?: 'completed' | 'exited' | 'timeout' }): AcceptedEvent {
  return {
    ...envelope(o, `end-${key(o)}-${o.t}`),
    type: 'session.end',
    ...(o.reason ? { reason: o.reason } : {}),
  };
}

export function quiz(
  o: Common & { quizId?: string; questions: number; durationSec: number; course?: string },
): AcceptedEvent {
  return {
    ...envelope(o, `quiz-${key(o)}-${o.quizId ?? 'Q1'}-${o.t}`),
    type: 'quiz.submitted',
    courseId: o.course ?? 'C1',
    quizId: o.quizId ?? 'Q1',
    questions: o.questions,
    correct: 0,
    durationSec: o.durationSec,
  };
}

export function cert(
  o: Common & { certificateId?: string; requiredHours?: number; course?: string },
): AcceptedEvent {
  const { session: _session, ...rest } = o;
  const { sessionId: _sid, ...env } = envelope(rest, `cert-${key(o)}-${o.t}`);
  return {
    ...env,
    type: 'certificate.issued',
    courseId: o.course ?? 'C1',
    certificateId: o.certificateId ?? 'CERT1',
    requiredHours: o.requiredHours ?? 10,
  };
}

/** A segment as tests state it: where, how long (a literal cross-check of the bounds) and which kinds. */
export interface Seg {
  from: string;
  to: string;
  ms: number;
  kinds: WithholdKind[];
}

export function seg(from: string, to: string, durationMs: number, kinds: WithholdKind[] = []): Seg {
  const d = ms(to) - ms(from);
  if (d !== durationMs)
    throw new RangeError(`fixture segment ${from}–${to} lasts ${d} ms, not ${durationMs}`);
  return {
    from: new Date(ms(from)).toISOString(),
    to: new Date(ms(to)).toISOString(),
    ms: durationMs,
    kinds,
  };
}

export function asSeg(s: Segment): Seg {
  return {
    from: new Date(s.startMs).toISOString(),
    to: new Date(s.endMs).toISOString(),
    ms: s.endMs - s.startMs,
    kinds: s.kinds,
  };
}

export interface Run {
  states: Map<string, LearnerState>;
  outcomes: string[];
  segments: Segment[];
  /** Latest update of every flag. */
  flags: FlagUpdate[];
  /** Every flag update in emission order. */
  flagUpdates: FlagUpdate[];
  sessions: SessionRecord[];
  out: ReturnType<typeof runSequence>['out'];
}

export function policies(
  overrides: Partial<Policy> = {},
  perPlatform: Record<string, Partial<Policy>> = {},
): PolicyFor {
  return (platformId) => ({ ...DEFAULT_POLICY, ...overrides, ...(perPlatform[platformId] ?? {}) });
}

export function run(
  events: readonly AcceptedEvent[],
  policyFor: PolicyFor = policies(),
  opts: { maxSessions?: number } = {},
): Run {
  const { states, out } = runSequence(events, policyFor, opts);
  const latest = new Map<string, FlagUpdate>();
  const flagUpdates = out.flatMap((o) => o.flags);
  for (const f of flagUpdates) latest.set(f.flagId, f);
  return {
    states,
    out,
    outcomes: out.map((o) => o.outcome),
    segments: out.flatMap((o) => o.segments),
    flags: [...latest.values()],
    flagUpdates,
    sessions: out.flatMap((o) => o.sessions),
  };
}

/** Segments of one session (default S1 of p1) as Seg rows. */
export function segsOf(r: Run, session = 'S1', platform = 'p1'): Seg[] {
  return r.segments.filter((s) => s.sessionId === session && s.platformId === platform).map(asSeg);
}

/** Latest flags of one session as compact rows: kind, occurrences, withheld ms. */
export function flagsOf(
  r: Run,
  session = 'S1',
  platform = 'p1',
): { kind: string; occurrences: number; withheldMs: number }[] {
  return r.flags
    .filter((f) => f.sessionId === session && f.platformId === platform)
    .map((f) => ({ kind: f.kind, occurrences: f.occurrences, withheldMs: f.withheldMs }))
    .sort((a, b) => (a.kind < b.kind ? -1 : 1));
}
