import {
  type CertificateRecord,
  type FlagUpdate,
  flagIdOf,
  type Segment,
  type SessionRecord,
  segmentIdOf,
  type WithholdKind,
} from '@hourglass/events';
import type { EventCountRow, RejectedRow, Warehouse } from '@hourglass/warehouse';

/**
 * A small literal world, written straight into a warehouse through its insert methods. Times are
 * UTC; the programme zone is Asia/Shanghai (UTC+8), so 2026-03-01T15:30Z is 23:30 local on 03-01.
 *
 * | session        | learner   | segment                   | hours | status                               |
 * | cvto/s1        | learner-1 | 03-01 01:00Z–02:00Z       | 1     | verified                             |
 * |                |           | 03-01 02:00Z–02:30Z       | 0.5   | withheld idle (FLAGS.idle1)          |
 * |                |           | 03-02 01:00Z–01:45Z       | 0.75  | verified                             |
 * | skillup/s2     | learner-2 | 03-01 03:00Z–04:30Z       | 1.5   | verified                             |
 * |                |           | 03-01 04:30Z–04:45Z       | 0.25  | withheld late_report (FLAGS.late2)   |
 * | cvto/s3        | learner-3 | 03-01 15:30Z–16:30Z       | 1     | verified (local day 03-01)           |
 * |                |           | 03-02 02:00Z–02:30Z       | 0.5   | withheld concurrent + shared_device  |
 *
 * Totals 03-01..03-02: verified 4.25 h, pending 1.25 h, rejected 0, learners 3.
 */
export const H = 3_600_000;
export const at = (iso: string): number => Date.parse(iso);

export const LEARNERS = {
  l1: {
    learnerId: 'learner-1',
    platformId: 'cvto',
    sessionId: 's1',
    courseId: 'c-weld',
    deviceId: 'dev-1',
    occupation: '6-30-01-00',
    region: '110101',
    learnerGroup: 'migrant_worker',
  },
  l2: {
    learnerId: 'learner-2',
    platformId: 'skillup',
    sessionId: 's2',
    courseId: 'c-cook',
    deviceId: 'dev-2',
    occupation: '4-01-02-00',
    region: '310101',
    learnerGroup: 'unemployed',
  },
  l3: {
    learnerId: 'learner-3',
    platformId: 'cvto',
    sessionId: 's3',
    courseId: 'c-weld',
    deviceId: 'dev-3',
    occupation: 'unknown',
    region: 'unknown',
    learnerGroup: 'unknown',
  },
} as const;
type Who = (typeof LEARNERS)[keyof typeof LEARNERS];

export const FLAGS = {
  idle1: flagIdOf('cvto', 's1', 'idle'),
  seek1: flagIdOf('cvto', 's1', 'seek_ahead'),
  late2: flagIdOf('skillup', 's2', 'late_report'),
  concurrent3: flagIdOf('cvto', 's3', 'concurrent_session'),
  shared3: flagIdOf('cvto', 's3', 'shared_device'),
};

export function segment(who: Who, start: string, end: string, kinds: WithholdKind[] = []): Segment {
  const startMs = at(start);
  return {
    segmentId: segmentIdOf(who.platformId, who.sessionId, startMs),
    learnerId: who.learnerId,
    platformId: who.platformId,
    sessionId: who.sessionId,
    courseId: who.courseId,
    deviceId: who.deviceId,
    occupation: who.occupation,
    region: who.region,
    learnerGroup: who.learnerGroup,
    startMs,
    endMs: at(end),
    status: kinds.length === 0 ? 'verified' : 'withheld',
    kinds: [...kinds].sort(),
    flagIds: [...kinds].sort().map((k) => flagIdOf(who.platformId, who.sessionId, k)),
    eventId: `ev-${who.sessionId}-${startMs}`,
  };
}

export function flag(
  who: Who,
  kind: FlagUpdate['kind'],
  first: string,
  last: string,
  withheldMs: number,
  extra: Partial<FlagUpdate> = {},
): FlagUpdate {
  return {
    flagId: flagIdOf(who.platformId, who.sessionId, kind),
    kind,
    learnerId: who.learnerId,
    platformId: who.platformId,
    sessionId: who.sessionId,
    firstAtMs: at(first),
    lastAtMs: at(last),
    occurrences: 1,
    withheldMs,
    evidence: [{ eventId: `ev-${kind}`, atMs: at(last), note: `${kind}, "quoted", with commas` }],
    version: 1,
    ...extra,
  };
}

const { l1, l2, l3 } = LEARNERS;

export const SEGMENTS: Segment[] = [
  segment(l1, '2026-03-01T01:00:00Z', '2026-03-01T02:00:00Z'),
  segment(l1, '2026-03-01T02:00:00Z', '2026-03-01T02:30:00Z', ['idle']),
  segment(l1, '2026-03-02T01:00:00Z', '2026-03-02T01:45:00Z'),
  segment(l2, '2026-03-01T03:00:00Z', '2026-03-01T04:30:00Z'),
  segment(l2, '2026-03-01T04:30:00Z', '2026-03-01T04:45:00Z', ['late_report']),
  segment(l3, '2026-03-01T15:30:00Z', '2026-03-01T16:30:00Z'),
  segment(l3, '2026-03-02T02:00:00Z', '2026-03-02T02:30:00Z', ['concurrent_session', 'shared_device']),
];

export const FLAG_UPDATES: FlagUpdate[] = [
  flag(l1, 'idle', '2026-03-01T02:00:00Z', '2026-03-01T02:30:00Z', 0.5 * H),
  flag(l1, 'seek_ahead', '2026-03-01T01:30:00Z', '2026-03-01T01:30:00Z', 0),
  flag(l2, 'late_report', '2026-03-01T04:30:00Z', '2026-03-01T04:45:00Z', 0.25 * H),
  flag(l3, 'concurrent_session', '2026-03-02T02:00:00Z', '2026-03-02T02:30:00Z', 0.5 * H, {
    evidence: [
      {
        eventId: 'ev-c',
        atMs: at('2026-03-02T02:30:00Z'),
        note: 'overlaps',
        platformId: 'skillup',
        sessionId: 's9',
      },
    ],
  }),
  flag(l3, 'shared_device', '2026-03-02T02:00:00Z', '2026-03-02T02:30:00Z', 0.5 * H, {
    evidence: [
      { eventId: 'ev-d', atMs: at('2026-03-02T02:00:00Z'), note: '4 learners', learnerIds: ['a', 'b', 'c'] },
    ],
  }),
];

function session(who: Who, start: string, end: string | null): SessionRecord {
  return {
    platformId: who.platformId,
    sessionId: who.sessionId,
    learnerId: who.learnerId,
    courseId: who.courseId,
    deviceId: who.deviceId,
    occupation: who.occupation,
    region: who.region,
    learnerGroup: who.learnerGroup,
    startMs: at(start),
    endMs: end === null ? null : at(end),
    version: 1,
  };
}

export const SESSIONS: SessionRecord[] = [
  session(l1, '2026-03-01T01:00:00Z', '2026-03-02T01:45:00Z'),
  session(l2, '2026-03-01T03:00:00Z', null),
  session(l3, '2026-03-01T15:30:00Z', '2026-03-02T02:30:00Z'),
];

export const CERTIFICATES: CertificateRecord[] = [
  {
    certificateId: 'cert-1',
    platformId: 'cvto',
    learnerId: 'learner-1',
    courseId: 'c-weld',
    requiredHours: 1.5,
    issuedAtMs: at('2026-03-02T03:00:00Z'),
    eventId: 'ev-cert-1',
  },
  // Backed only once the late_report flag's 0.25 h are approved (1.5 + 0.25).
  {
    certificateId: 'cert-2',
    platformId: 'skillup',
    learnerId: 'learner-2',
    courseId: 'c-cook',
    requiredHours: 1.75,
    issuedAtMs: at('2026-03-01T05:00:00Z'),
    eventId: 'ev-cert-2',
  },
];

export const EVENT_COUNTS: EventCountRow[] = [
  { countId: 'n-cvto-1', platformId: 'cvto', day: '2026-03-01', accepted: 60 },
  { countId: 'n-cvto-2', platformId: 'cvto', day: '2026-03-02', accepted: 30 },
  { countId: 'n-skillup-1', platformId: 'skillup', day: '2026-03-01', accepted: 50 },
];

export const REJECTED: RejectedRow[] = Array.from({ length: 10 }, (_, i) => ({
  rowId: `events.rejected.v1/0/${i}`,
  platformId: 'cvto',
  receivedAt: '2026-03-01T02:00:00.000Z',
  source: 'ingest' as const,
  index: i,
  id: `bad-${i}`,
  type: 'heartbeat',
  errors: [{ path: 'heartbeat.seq', code: 'too_small', message: 'too small' }],
  raw: '{}',
  truncated: false,
}));

export async function seed(warehouse: Warehouse): Promise<void> {
  await warehouse.insertSegments(SEGMENTS);
  await warehouse.upsertFlags(FLAG_UPDATES);
  await warehouse.upsertSessions(SESSIONS);
  await warehouse.insertCertificates(CERTIFICATES);
  await warehouse.insertEventCounts(EVENT_COUNTS);
  await warehouse.insertRejected(REJECTED);
}
