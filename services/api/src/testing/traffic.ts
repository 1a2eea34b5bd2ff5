import {
  type FlagUpdate,
  flagIdOf,
  type Segment,
  type SessionRecord,
  seededRandom,
  segmentIdOf,
  WITHHOLD_KINDS,
  type WithholdKind,
} from '@hourglass/events';

/**
 * Seeded, generated traffic in the warehouse's terms (segments, flags, sessions): many learners,
 * sessions on several platforms, segments crossing local midnight, some withheld by one or two
 * kinds. Deterministic for a seed, so a failure can be replayed.
 */
export interface Traffic {
  segments: Segment[];
  flags: FlagUpdate[];
  sessions: SessionRecord[];
}

const PLATFORMS = ['cvto', 'skillup', 'gongjiang'];
const REGIONS = ['110101', '310101', '440305', 'unknown'];
const OCCUPATIONS = ['6-30-01-00', '4-01-02-00', '2-02-10-09', 'unknown'];
const COURSES = ['g-weld', 'g-cook', 'g-care'];
const GROUPS = ['migrant_worker', 'unemployed', 'graduate', 'other', 'unknown'] as const;

/** Traffic between `fromMs` and about 20 days later. */
export function generateTraffic(seed: number, fromMs: number, learners = 12): Traffic {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const out: Traffic = { segments: [], flags: [], sessions: [] };
  for (let l = 0; l < learners; l++) {
    const learnerId = `gen-${seed}-${l}`;
    const sessions = 1 + Math.floor(rnd() * 3);
    for (let s = 0; s < sessions; s++) {
      const platformId = pick(PLATFORMS);
      const sessionId = `${learnerId}-s${s}`;
      const attrs = {
        courseId: pick(COURSES),
        deviceId: `dev-${l}`,
        occupation: pick(OCCUPATIONS),
        region: pick(REGIONS),
        learnerGroup: pick(GROUPS),
      };
      const startMs = fromMs + Math.floor(rnd() * 20 * 24) * 3_600_000 + Math.floor(rnd() * 3600) * 1000;
      let t = startMs;
      const byKind = new Map<WithholdKind, { first: number; last: number; ms: number; n: number }>();
      const count = 3 + Math.floor(rnd() * 12);
      for (let i = 0; i < count; i++) {
        const end = t + (30 + Math.floor(rnd() * 570)) * 1000;
        const kinds: WithholdKind[] = [];
        if (rnd() < 0.3) {
          kinds.push(pick(WITHHOLD_KINDS));
          if (rnd() < 0.3) {
            const second = pick(WITHHOLD_KINDS);
            if (!kinds.includes(second)) kinds.push(second);
          }
        }
        kinds.sort();
        for (const k of kinds) {
          const f = byKind.get(k) ?? { first: t, last: end, ms: 0, n: 0 };
          f.last = end;
          f.ms += end - t;
          f.n += 1;
          byKind.set(k, f);
        }
        out.segments.push({
          segmentId: segmentIdOf(platformId, sessionId, t),
          learnerId,
          platformId,
          sessionId,
          ...attrs,
          startMs: t,
          endMs: end,
          status: kinds.length === 0 ? 'verified' : 'withheld',
          kinds,
          flagIds: kinds.map((k) => flagIdOf(platformId, sessionId, k)),
          eventId: `gen-ev-${sessionId}-${i}`,
        });
        // Sometimes a gap (time past the cap is neither verified nor withheld).
        t = end + (rnd() < 0.2 ? Math.floor(rnd() * 600) * 1000 : 0);
      }
      for (const [kind, f] of byKind) {
        out.flags.push({
          flagId: flagIdOf(platformId, sessionId, kind),
          kind,
          learnerId,
          platformId,
          sessionId,
          firstAtMs: f.first,
          lastAtMs: f.last,
          occurrences: f.n,
          withheldMs: f.ms,
          evidence: [],
          version: 1,
        });
      }
      out.sessions.push({
        platformId,
        sessionId,
        learnerId,
        ...attrs,
        startMs,
        endMs: rnd() < 0.7 ? t : null,
        version: 1,
      });
    }
  }
  return out;
}
