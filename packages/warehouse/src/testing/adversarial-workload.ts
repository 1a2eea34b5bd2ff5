import {
  type CertificateRecord,
  createDayOf,
  type DecisionRecord,
  type EventCountRecord,
  FLAG_KINDS,
  type FlagKind,
  type FlagUpdate,
  flagIdOf,
  type Segment,
  type SessionRecord,
  seededRandom,
  segmentIdOf,
  WITHHOLD_KINDS,
} from '@hourglass/events';
import fc from 'fast-check';
import type { RejectedRow } from '../types';
import { LEARNERS, MIN, PLATFORMS, TZ } from './workload-arbitrary';
import type { Rows } from './workload-rows';

/**
 * The workload of adapters-agree-adversarial.test.ts (review 'adapters'), more adversarial than
 * workload-arbitrary.ts: learners changing between flag and session versions, segments re-sent with
 * another status / kinds / end, decisions re-sent naming other flags, certificates re-sent naming other
 * learners, cumulative counts out of order, data on both sides of a month boundary.
 */

/** The programme zone (ADV_TZ to try another: DST, half- and quarter-hour offsets). */
export const ZONE = process.env.ADV_TZ ?? TZ;
const dayOf = createDayOf(ZONE);
/** 2026-02-27T16:00Z = 2026-02-28 00:00 local: two days of February, two of March. */
const BASE = Date.UTC(2026, 1, 27, 16, 0, 0);

const textArb = fc.oneof(
  fc.constantFrom('', 'ok', 'a\\b\tc\u0000d', '审核通过 ✅', 'it\'s "x"\n'),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
);

const segArb = fc.record({
  startMin: fc.oneof(
    fc.integer({ min: 0, max: 4 * 24 * 60 }),
    fc.integer({ min: 2 * 1440 - 30, max: 2 * 1440 + 30 }),
  ),
  lenSec: fc.constantFrom(0, 1, 30, 600, 3600),
  learnerIx: fc.nat(3),
  region: fc.constantFrom('110101', '310000', 'unknown'),
  occupation: fc.constantFrom('4-01-02', 'unknown'),
  course: fc.constantFrom('C1', 'weld-101'),
  group: fc.constantFrom('graduate', 'unknown'),
  withheld: fc.subarray([...WITHHOLD_KINDS], { maxLength: 3 }),
  dupFlag: fc.boolean(),
  resend: fc.option(
    fc.record({
      withheld: fc.subarray([...WITHHOLD_KINDS], { maxLength: 2 }),
      lenSec: fc.constantFrom(0, 30, 7200),
      region: fc.constantFrom('110101', '999999'),
      learnerIx: fc.option(fc.nat(3)),
    }),
    { freq: 3 },
  ),
});

const flagArb = fc.record({
  kind: fc.constantFrom(...FLAG_KINDS),
  versions: fc.array(
    fc.record({ learnerIx: fc.nat(3), stepMin: fc.integer({ min: 0, max: 600 }), withheldSec: fc.nat(3600) }),
    { minLength: 1, maxLength: 3 },
  ),
  // Ties in firstAtMs across flags: paging must order them by flagId on both.
  firstMin: fc.oneof(fc.constantFrom(0, 5, 5, 1440), fc.integer({ min: 0, max: 4 * 24 * 60 })),
  decisions: fc.array(
    fc.record({
      verdict: fc.constantFrom('approve' as const, 'reject' as const),
      version: fc.nat(),
      coversDeltaSec: fc.oneof(fc.constant(0), fc.integer({ min: -3600, max: 3600 })),
      afterMin: fc.oneof(fc.constantFrom(0, 0, 1), fc.integer({ min: -10, max: 2000 })),
      note: textArb,
      otherFlag: fc.boolean(),
    }),
    { maxLength: 3 },
  ),
});

const sessionArb = fc.record({
  platform: fc.constantFrom(...PLATFORMS),
  sessionNo: fc.nat(3),
  learners: fc.array(fc.constantFrom(...LEARNERS), { minLength: 1, maxLength: 2 }),
  versions: fc.array(
    fc.record({
      learnerIx: fc.nat(3),
      occupation: fc.constantFrom('4-01-02', '6-25-01-01', 'unknown'),
      course: fc.constantFrom('C1', 'weld-101', 'unknown'),
      ended: fc.boolean(),
    }),
    { minLength: 0, maxLength: 3 },
  ),
  segments: fc.array(segArb, { maxLength: 5 }),
  flags: fc.array(flagArb, { maxLength: 3 }),
});

export const workloadArb = fc.record({
  sessions: fc.array(sessionArb, { minLength: 1, maxLength: 6 }),
  certificates: fc.array(
    fc.record({
      id: fc.nat(3),
      learner: fc.constantFrom(...LEARNERS),
      course: fc.constantFrom('C1', 'weld-101'),
      platform: fc.constantFrom(...PLATFORMS),
      hours: fc.integer({ min: 1, max: 300 }).map((k) => k / 100),
      issuedMin: fc.nat(4 * 1440),
    }),
    { maxLength: 6 },
  ),
  counts: fc.array(
    fc.record({
      platform: fc.constantFrom(...PLATFORMS),
      id: fc.nat(2),
      through: fc.option(fc.nat(20), { freq: 4 }),
      accepted: fc.nat(100),
      segments: fc.option(fc.nat(10), { freq: 4 }),
    }),
    { maxLength: 8 },
  ),
  rejected: fc.array(fc.record({ platform: fc.constantFrom(...PLATFORMS, 'zeta', ''), raw: textArb }), {
    maxLength: 3,
  }),
  seedShared: fc.integer(),
  seedA: fc.integer(),
  seedB: fc.integer(),
});
export type W = typeof workloadArb extends fc.Arbitrary<infer T> ? T : never;

export interface Built extends Rows {
  /** Rows in a first-copy-wins delivery order shared by both adapters. */
  shared: { segments: Segment[]; certificates: CertificateRecord[]; decisions: DecisionRecord[] };
}

export function build(w: W): Built {
  const segments: Segment[] = [];
  const resent: Segment[] = [];
  const flags: FlagUpdate[] = [];
  const sessions: SessionRecord[] = [];
  const decisions: DecisionRecord[] = [];
  const seen = new Set<string>();
  const sessionKeys: [string, string][] = [];
  const flagIds: string[] = [];
  let ev = 0;
  let dec = 0;
  for (const s of w.sessions) {
    const sessionId = `S-${s.sessionNo}`;
    const key = `${s.platform}/${sessionId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    sessionKeys.push([s.platform, sessionId]);
    const learnerOf = (i: number) => s.learners[i % s.learners.length] as string;
    const startMs = BASE + (s.segments[0]?.startMin ?? 0) * MIN;
    s.versions.forEach((v, i) => {
      sessions.push({
        platformId: s.platform,
        sessionId,
        learnerId: learnerOf(v.learnerIx),
        courseId: v.course,
        deviceId: 'D1',
        occupation: v.occupation,
        region: 'unknown',
        learnerGroup: 'unknown',
        startMs,
        endMs: v.ended ? startMs + 3_600_000 : null,
        version: i + 1,
      });
    });
    const flagOf = (kind: FlagKind) => flagIdOf(s.platform, sessionId, kind);
    for (const f of s.flags) {
      const flagId = flagOf(f.kind);
      if (flagIds.includes(flagId)) continue;
      flagIds.push(flagId);
      const firstAtMs = BASE + f.firstMin * MIN;
      let last = firstAtMs;
      let withheld = 0;
      const versions: FlagUpdate[] = [];
      f.versions.forEach((v, i) => {
        last += v.stepMin * MIN;
        withheld += v.withheldSec * 1000;
        versions.push({
          flagId,
          kind: f.kind,
          learnerId: learnerOf(v.learnerIx),
          platformId: s.platform,
          sessionId,
          firstAtMs,
          lastAtMs: last,
          occurrences: i + 1,
          withheldMs: withheld,
          evidence: [{ eventId: `ev-${++ev}`, atMs: last, note: `v${i + 1}` }],
          version: i + 1,
        });
      });
      flags.push(...versions);
      for (const d of f.decisions) {
        const seenV = versions[d.version % versions.length] as FlagUpdate;
        const rec: DecisionRecord = {
          decisionId: `dec-${++dec}`,
          flagId,
          decision: d.verdict,
          note: d.note,
          by: 'wang.li',
          atMs: seenV.lastAtMs + d.afterMin * MIN,
          coversUntilMs: seenV.lastAtMs + d.coversDeltaSec * 1000,
        };
        decisions.push(rec);
        // A copy of the same decision naming another flag (first copy wins in both).
        if (d.otherFlag && flagIds.length > 1)
          decisions.push({ ...rec, flagId: flagIds[0] as string, decision: 'approve', note: 'copy' });
      }
    }
    for (const g of s.segments) {
      const start = BASE + g.startMin * MIN + (segments.length % 7) * 1000;
      const segmentId = segmentIdOf(s.platform, sessionId, start);
      if (segments.some((x) => x.segmentId === segmentId)) continue;
      const kinds = WITHHOLD_KINDS.filter((k) => g.withheld.includes(k));
      const seg: Segment = {
        segmentId,
        learnerId: learnerOf(g.learnerIx),
        platformId: s.platform,
        sessionId,
        courseId: g.course,
        deviceId: 'D1',
        occupation: g.occupation,
        region: g.region,
        learnerGroup: g.group as Segment['learnerGroup'],
        startMs: start,
        endMs: start + g.lenSec * 1000,
        status: kinds.length > 0 ? 'withheld' : 'verified',
        kinds: [...kinds],
        // Sometimes a flag named twice (multiFlag with one distinct flag).
        flagIds:
          g.dupFlag && kinds.length > 0
            ? [...kinds.map(flagOf), flagOf(kinds[0] as FlagKind)]
            : kinds.map(flagOf),
        eventId: `ev-${++ev}`,
      };
      segments.push(seg);
      if (g.resend !== null) {
        const k2 = WITHHOLD_KINDS.filter((k) => g.resend?.withheld.includes(k));
        resent.push({
          ...seg,
          region: g.resend.region,
          ...(g.resend.learnerIx === null ? {} : { learnerId: learnerOf(g.resend.learnerIx) }),
          endMs: start + g.resend.lenSec * 1000,
          status: k2.length > 0 ? 'withheld' : 'verified',
          kinds: [...k2],
          flagIds: k2.map(flagOf),
          eventId: `ev-${++ev}`,
        });
      }
    }
  }
  const certificates: CertificateRecord[] = w.certificates.map((c, i) => ({
    certificateId: `cert-${c.id}`,
    platformId: c.platform,
    learnerId: c.learner,
    courseId: c.course,
    requiredHours: c.hours,
    issuedAtMs: BASE + c.issuedMin * MIN,
    eventId: `ev-cert-${i}`,
  }));
  // Cumulative counts: copies of one id with a higher `through` count further (same through = same numbers).
  const counts: EventCountRecord[] = [];
  for (const c of w.counts) {
    const countId = c.through === null ? `b/${c.platform}/${c.id}` : `p/${c.platform}/${c.id}`;
    const rec: EventCountRecord = {
      countId,
      platformId: c.platform,
      day: '2026-03-01',
      accepted: c.through === null ? c.accepted : (c.through + 1) * 3 + c.id,
    };
    if (c.through !== null) rec.through = c.through;
    if (c.segments !== null) rec.segments = c.through === null ? c.segments : c.through;
    counts.push(rec);
  }
  // Same through ⇒ same content: keep the first copy of each (id, through), and a consistent `segments`.
  const byIdThrough = new Map<string, EventCountRecord>();
  for (const c of counts) {
    const k = `${c.countId}@${c.through ?? -1}`;
    if (!byIdThrough.has(k)) byIdThrough.set(k, c);
  }
  const rejected: RejectedRow[] = w.rejected.map((r, i) => ({
    rowId: `rej/0/${i}`,
    platformId: r.platform,
    receivedAt: new Date(BASE + i * 1000).toISOString(),
    source: 'ingest',
    index: i,
    id: null,
    type: null,
    errors: [],
    raw: r.raw,
    truncated: false,
  }));
  const rand = seededRandom(w.seedShared);
  const shuffle = <T>(xs: T[]): T[] => {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [a[i], a[j]] = [a[j] as T, a[i] as T];
    }
    return a;
  };
  const days = [...new Set(segments.map((s) => dayOf(s.startMs)))].sort();
  return {
    segments,
    flags,
    sessions,
    certificates,
    decisions,
    rejected,
    counts: [...byIdThrough.values()],
    learners: [...LEARNERS],
    flagIds,
    sessionKeys,
    days,
    shared: {
      segments: shuffle([...segments, ...resent]),
      certificates: shuffle(certificates),
      decisions: shuffle(decisions),
    },
  };
}
