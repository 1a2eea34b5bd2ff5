/**
 * Synthetic but realistic programme data for the benchmarks (warehouse, log decode, aggregator),
 * shared from the root bench/ so no package reaches into another one's files: learners with stable
 * attributes studying in ~1 h sessions of 30 s heartbeat windows, streamed in time order (as the
 * aggregator sees them), ~10 % of windows withheld in runs (idle, late reports, concurrent
 * sessions, sometimes two kinds at once), one flag per (session, kind), decisions on some flags.
 * Deterministic: a seeded PRNG, no clock.
 */
import {
  type CertificateRecord,
  createDayStart,
  type DecisionRecord,
  type FlagUpdate,
  flagIdOf,
  LEARNER_GROUPS,
  type Segment,
  type SessionRecord,
  seededRandom,
  segmentIdOf,
  type WithholdKind,
} from '@hourglass/events';

export interface Shape {
  segments: number;
  learners: number;
  platforms: number;
  occupations: number;
  regions: number;
  courses: number;
  days: number;
  firstDay: string;
  segmentsPerSession: number;
  timeZone: string;
}

/** The benchmarks' programme: 10M segments of 10k learners over 32 days (the warehouse and aggregator benches). */
export const BENCH_SHAPE: Shape = {
  segments: 10_000_000,
  learners: 10_000,
  platforms: 50,
  occupations: 100,
  regions: 300,
  courses: 500,
  days: 32,
  firstDay: '2026-03-01',
  segmentsPerSession: 120,
  timeZone: 'Asia/Shanghai',
};

interface Learner {
  id: string;
  platforms: string[];
  region: string;
  occupation: string;
  group: (typeof LEARNER_GROUPS)[number];
  courses: string[];
  device: string;
}

const WINDOW_MS = 30_000;
const pad = (n: number, w: number) => String(n).padStart(w, '0');

export function createGenerator(shape: Shape) {
  const rnd = seededRandom(20260301);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const platforms = Array.from({ length: shape.platforms }, (_, i) => `plat-${pad(i, 2)}`);
  const occupations = Array.from({ length: shape.occupations }, (_, i) => `${1 + (i % 8)}-${pad(i, 2)}-01`);
  const regions = Array.from({ length: shape.regions }, (_, i) => String(110000 + i * 37));
  const courses = Array.from({ length: shape.courses }, (_, i) => `course-${pad(i, 4)}`);
  const learners: Learner[] = Array.from({ length: shape.learners }, (_, i) => {
    const home = pick(platforms);
    return {
      id: `learner-${pad(i, 6)}`,
      platforms: rnd() < 0.15 ? [home, pick(platforms)] : [home],
      region: pick(regions),
      occupation: pick(occupations),
      group: pick(LEARNER_GROUPS),
      courses: Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(courses)),
      device: `dev-${pad(i, 6)}`,
    };
  });
  const dayStart = createDayStart(shape.timeZone);
  const sessionsPerDay = Math.ceil(shape.segments / shape.segmentsPerSession / shape.days);

  /** One day's sessions and their segments, the segments in time order. */
  function day(d: number): { segments: Segment[]; sessions: SessionRecord[]; flags: FlagUpdate[] } {
    const date = new Date(Date.parse(`${shape.firstDay}T00:00:00Z`) + d * 86_400_000)
      .toISOString()
      .slice(0, 10);
    const t0 = dayStart(date);
    const sessions: SessionRecord[] = [];
    const perSession: Segment[][] = [];
    const flags = new Map<string, FlagUpdate>();
    for (let s = 0; s < sessionsPerDay; s++) {
      const l = pick(learners);
      const platformId = pick(l.platforms);
      const sessionId = `sess-${date}-${pad(s, 5)}`;
      const start = t0 + Math.floor(rnd() * 22 * 3_600_000);
      const n = Math.max(10, Math.round(shape.segmentsPerSession * (0.5 + rnd())));
      const rec: SessionRecord = {
        platformId,
        sessionId,
        learnerId: l.id,
        courseId: pick(l.courses),
        deviceId: l.device,
        occupation: l.occupation,
        region: l.region,
        learnerGroup: l.group,
        startMs: start,
        endMs: start + n * WINDOW_MS,
        version: 1,
      };
      sessions.push(rec);
      const segs: Segment[] = [];
      let runLeft = 0;
      let runKinds: WithholdKind[] = [];
      for (let k = 0; k < n; k++) {
        if (runLeft === 0) {
          const r = rnd();
          if (r < 0.012) runKinds = ['idle'];
          else if (r < 0.014) runKinds = ['late_report'];
          else if (r < 0.0155) runKinds = ['concurrent_session', 'idle'];
          else if (r < 0.016) runKinds = ['concurrent_session'];
          else runKinds = [];
          runLeft = runKinds.length > 0 ? 3 + Math.floor(rnd() * 8) : 0;
        }
        const startMs = start + k * WINDOW_MS;
        const endMs = startMs + WINDOW_MS;
        const withheld = runLeft > 0;
        if (withheld) runLeft--;
        const kinds = withheld ? runKinds : [];
        const flagIds = kinds.map((kind) => flagIdOf(platformId, sessionId, kind));
        kinds.forEach((kind, i) => {
          const flagId = flagIds[i] as string;
          const f = flags.get(flagId);
          if (f === undefined) {
            flags.set(flagId, {
              flagId,
              kind,
              learnerId: l.id,
              platformId,
              sessionId,
              firstAtMs: startMs,
              lastAtMs: endMs,
              occurrences: 1,
              withheldMs: WINDOW_MS,
              evidence: [{ eventId: `hb-${sessionId}-${k}`, atMs: endMs, note: `${kind} window` }],
              version: 1,
            });
          } else {
            f.lastAtMs = endMs;
            f.occurrences++;
            f.withheldMs += WINDOW_MS;
            f.version++;
          }
        });
        segs.push({
          segmentId: segmentIdOf(platformId, sessionId, startMs),
          learnerId: l.id,
          platformId,
          sessionId,
          courseId: rec.courseId,
          deviceId: l.device,
          occupation: l.occupation,
          region: l.region,
          learnerGroup: l.group,
          startMs,
          endMs,
          status: withheld ? 'withheld' : 'verified',
          kinds,
          flagIds,
          eventId: `hb-${sessionId}-${k}`,
        });
      }
      perSession.push(segs);
    }
    // Merge the sessions' windows by start time, as the detector emits them.
    const all = perSession.flat();
    all.sort((a, b) => a.startMs - b.startMs);
    return { segments: all, sessions, flags: [...flags.values()] };
  }

  /** Decisions on ~20 % of flags (70 % approve), each covering the flag up to its lastAt. */
  function decisions(flags: readonly FlagUpdate[]): DecisionRecord[] {
    const out: DecisionRecord[] = [];
    for (const f of flags) {
      if (rnd() >= 0.2) continue;
      out.push({
        decisionId: `dec-${f.flagId}`,
        flagId: f.flagId,
        decision: rnd() < 0.7 ? 'approve' : 'reject',
        note: 'bench review',
        by: 'bench.supervisor',
        atMs: f.lastAtMs + 86_400_000,
        coversUntilMs: f.lastAtMs,
      });
    }
    return out;
  }

  /** A certificate for ~10 % of learners on their first course. */
  function certificates(): CertificateRecord[] {
    return learners
      .filter(() => rnd() < 0.1)
      .map((l) => ({
        certificateId: `cert-${l.id}`,
        platformId: l.platforms[0] as string,
        learnerId: l.id,
        courseId: l.courses[0] as string,
        requiredHours: 1 + Math.floor(rnd() * 10),
        issuedAtMs: Date.parse(`${shape.firstDay}T00:00:00Z`) + shape.days * 86_400_000,
        eventId: `cert-ev-${l.id}`,
      }));
  }

  return { learners, day, decisions, certificates };
}
