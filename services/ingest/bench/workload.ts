/**
 * Realistic ingest traffic for the benchmark: learners in study sessions sending heartbeats every 30 s,
 * with the occasional session start, quiz and session end. ~90 % heartbeats, ~350 bytes per event.
 */
const PLATFORMS = ['cvto', 'skillup', 'gongjiang'] as const;

export interface Workload {
  platformId: string;
  /** Request bodies: JSON arrays of `batchSize` events. */
  bodies: string[];
  /** The same events, one array per body, for the bare parse + validate loop. */
  events: number;
}

function pick<T>(xs: readonly T[], i: number): T {
  return xs[i % xs.length]!;
}

export function makeWorkload(opts: {
  platformId?: string;
  batches: number;
  batchSize: number;
  nowMs: number;
}): Workload {
  const platformId = opts.platformId ?? PLATFORMS[0];
  const bodies: string[] = [];
  let n = 0;
  for (let b = 0; b < opts.batches; b++) {
    const batch: Record<string, unknown>[] = [];
    for (let i = 0; i < opts.batchSize; i++, n++) {
      const learner = `lrn-${(n * 7919) % 200_000}`.padEnd(20, '0');
      const session = `${platformId}:sess:${(n * 104_729) % 400_000}`;
      const time = new Date(opts.nowMs - 1000 - (n % 20_000)).toISOString();
      const common = {
        id: `${platformId}-evt-${n}-${b}`,
        time,
        platformId,
        learnerId: learner,
        sessionId: session,
      };
      const kind = n % 100;
      if (kind < 3) {
        batch.push({
          ...common,
          type: 'session.start',
          courseId: `course-${n % 500}`,
          deviceId: `dev-${(n * 31) % 150_000}`,
          occupation: pick(['4-07-05-01', '6-28-01-03', '4-01-02-05'], n),
          region: pick(['110101', '310104', '440305', '510107'], n),
          learnerGroup: pick(['migrant_worker', 'unemployed', 'graduate', 'enterprise_employee'], n),
          ext: { client: 'web', version: '3.2.1' },
        });
      } else if (kind < 5) {
        batch.push({
          ...common,
          type: 'quiz.submitted',
          courseId: `course-${n % 500}`,
          quizId: `quiz-${n % 3000}`,
          questions: 20,
          correct: 15 + (n % 6),
          durationSec: 300 + (n % 200),
          answersDigest: 'sha1:6a1f0b9e2c55d1f4a3b2c1d0e9f8a7b6c5d4e3f2',
        });
      } else if (kind < 7) {
        batch.push({ ...common, type: 'session.end', reason: pick(['completed', 'exited', 'timeout'], n) });
      } else {
        batch.push({
          ...common,
          type: 'heartbeat',
          courseId: `course-${n % 500}`,
          seq: n,
          intervalSec: 30,
          focus: n % 10 !== 0,
          interactions: n % 13,
          media: { positionSec: (n % 3600) + 0.5, rate: 1, playing: n % 5 !== 0 },
          ...(n % 50 === 0 ? { presence: 'passed' } : {}),
        });
      }
    }
    bodies.push(JSON.stringify(batch));
  }
  return { platformId, bodies, events: n };
}
