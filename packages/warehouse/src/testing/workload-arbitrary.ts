import { LEARNER_GROUPS, SIGNAL_KINDS, WITHHOLD_KINDS } from '@hourglass/events';
import fc from 'fast-check';
import type { GroupKey } from '../types';

/**
 * A random, realistic warehouse workload (what the detector, the API and ingest write), as generated
 * values; workload-rows.ts turns one into rows. For the differential test of the two adapters.
 */

export const TZ = 'Asia/Shanghai';
export const MIN = 60_000;
/** 2026-03-01T14:00Z = 22:00 local: sessions spread over three days, many across local midnight. */
export const BASE_MS = Date.UTC(2026, 2, 1, 14, 0, 0);

export const PLATFORMS = ['alpha', 'beta', 'gx-2'] as const;
export const LEARNERS = ['L1', 'L2', 'lrn:3', 'L.4'] as const;
const COURSES = ['C1', 'weld-101', 'cook.2'] as const;
const REGIONS = ['110101', '310000', 'unknown'] as const;
const OCCUPATIONS = ['4-01-02', '6-25-01-01', 'unknown'] as const;
const GROUPS = [...LEARNER_GROUPS, 'unknown'] as const;
export const GROUP_KEYS: GroupKey[] = [
  'day',
  'platform',
  'region',
  'occupation',
  'course',
  'learnerGroup',
  'learner',
];

/** Free text as supervisors and the detector write it: quotes, backslashes, control chars, CJK, emoji. */
const textArb = fc.oneof(
  fc.constantFrom(
    '',
    'ok',
    'it\'s "fine"\n',
    'a\\b\tc\u0000d',
    '审核通过 ✅',
    'e\u0301 \u2028 \ud83d\ude00 /',
  ),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);

const windowArb = fc.record({
  /** Seconds; 0 = an empty window (a heartbeat at the same time as the previous timing event). */
  lenSec: fc.constantFrom(0, 10, 30, 60, 90, 600, 1800),
  gapSec: fc.constantFrom(0, 0, 0, 1, 30, 400),
  kinds: fc.oneof(
    { weight: 3, arbitrary: fc.constant([] as string[]) },
    { weight: 2, arbitrary: fc.subarray([...WITHHOLD_KINDS], { minLength: 1, maxLength: 3 }) },
  ),
});

const sessionArb = fc.record({
  learner: fc.constantFrom(...LEARNERS),
  platform: fc.constantFrom(...PLATFORMS),
  sessionNo: fc.integer({ min: 0, max: 5 }),
  course: fc.constantFrom(...COURSES),
  device: fc.constantFrom('D1', 'D2', 'dev:3'),
  region: fc.constantFrom(...REGIONS),
  occupation: fc.constantFrom(...OCCUPATIONS),
  group: fc.constantFrom(...GROUPS),
  /** Minutes after BASE_MS: anywhere in three days, or close to local midnight (16:00Z). */
  startMin: fc.oneof(fc.integer({ min: 0, max: 3 * 24 * 60 }), fc.integer({ min: 100, max: 140 })),
  startSec: fc.integer({ min: 0, max: 59 }),
  /** Windows closed before the session.start filled in the attributes (begun by a heartbeat). */
  unknownFirst: fc.constantFrom(0, 0, 0, 1, 2),
  ended: fc.boolean(),
  windows: fc.array(windowArb, { minLength: 1, maxLength: 7 }),
  signals: fc.subarray([...SIGNAL_KINDS], { maxLength: 2 }),
});

const decisionArb = fc.record({
  verdict: fc.constantFrom('approve' as const, 'reject' as const),
  /** Which version of the flag the supervisor saw (modulo the versions there are). */
  version: fc.nat(),
  /** What it covers: the flag's lastAt then (the API's choice), or another time. */
  covers: fc.oneof(
    { weight: 4, arbitrary: fc.constant('lastAt' as const) },
    { weight: 1, arbitrary: fc.integer({ min: -3 * 60, max: 3 * 60 }) },
  ),
  afterMin: fc.constantFrom(0, 0, 1, 5, 60, 2000),
  note: textArb,
  by: fc.constantFrom('wang.li', 'ops', '李 supervisor'),
});

const certificateArb = fc.record({
  learner: fc.constantFrom(...LEARNERS),
  course: fc.constantFrom(...COURSES),
  platform: fc.constantFrom(...PLATFORMS),
  issuedMin: fc.integer({ min: 0, max: 4 * 24 * 60 }),
  hours: fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(0.5, 1, 1.5, 2.25) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 600 }).map((k) => k / 100) }, // 1.14 h, 2.28 h, …
    { weight: 1, arbitrary: fc.constant('exact' as const) }, // the learner's raw verified hours on the course
  ),
});

export const workloadArb = fc.record({
  sessions: fc.array(sessionArb, { minLength: 1, maxLength: 8 }),
  /** Per flag (in creation order): 0, 1 or 2 decisions. */
  decisions: fc.array(fc.array(decisionArb, { maxLength: 2 }), { maxLength: 24 }),
  certificates: fc.array(certificateArb, { maxLength: 6 }),
  rejected: fc.array(
    fc.record({
      platform: fc.constantFrom(...PLATFORMS, 'zeta'),
      type: fc.constantFrom(null, 'heartbeat', 'bogus'),
      raw: textArb,
      truncated: fc.boolean(),
    }),
    { maxLength: 5 },
  ),
  /** Per platform: counts that say how many segments were emitted (exactly, one off) or not. */
  countModes: fc.array(fc.constantFrom('exact', 'off', 'unsaid', 'none'), {
    minLength: PLATFORMS.length,
    maxLength: PLATFORMS.length,
  }),
  accepted: fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 6, maxLength: 6 }),
  /**
   * Delivery. First-copy-wins tables (segments, certificates, decisions, rejected, counts) arrive in
   * one order for both (which copy is first is part of the input), split into batches differently;
   * flags and sessions (highest version wins) in independent orders. Tables in random order.
   */
  seedShared: fc.integer(),
  seedEmbedded: fc.integer(),
  seedClickHouse: fc.integer(),
  /** Resent copies of an id with other content (the first copy must win in both). */
  conflicts: fc.boolean(),
});
export type Workload = typeof workloadArb extends fc.Arbitrary<infer T> ? T : never;
