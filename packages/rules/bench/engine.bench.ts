/**
 * Engine benchmark (plain script, not a test):  pnpm exec tsx packages/rules/bench/engine.bench.ts [events] [learners]
 *
 * Streams ≥ 1M realistic events — 30 s heartbeats with jitter, idlers, presence checks, media, quizzes,
 * late uploads, resends, sessions ending and new ones starting, a few shared devices — through
 * applyEvent in batches of 500, the way the detector works: per batch, deserialize the states of the
 * batch's learners from a store (MGET), apply the events in order, serialize the touched states back
 * (MSET). Prints events/s for applyEvent alone and with the per-batch (de)serialization, batch latency
 * percentiles, and the serialized state size per active learner. Generation happens before timing.
 */
import { writeFileSync } from 'node:fs';
import { type AcceptedEvent, seededRandom, segmentIdOf } from '@hourglass/events';
import { machineDescription, percentile } from '../../../bench/machine';
import {
  applyEvent,
  createMemoryDeviceView,
  createPolicyFor,
  deserializeState,
  emptyLearnerState,
  type LearnerState,
  serializeState,
} from '../src/index';

const TOTAL = Number(process.argv[2] ?? 1_200_000);
const LEARNERS = Number(process.argv[3] ?? 10_000);
const BATCH = 500;
/** BENCH_KEEP=1: keep states as objects between batches (no serialization), to separate the two costs. */
const KEEP = process.env.BENCH_KEEP === '1';
const T0 = Date.UTC(2026, 2, 1, 0, 0, 0);

interface Learner {
  id: string;
  platformId: string;
  session: number;
  seq: number;
  /** Heartbeats left in the current session; -1 between sessions. */
  left: number;
  pauseTicks: number;
  offsetMs: number;
  media: number;
  idler: boolean;
  last: AcceptedEvent | null;
}

/** Yields events tick by tick (30 s of traffic per tick), learners in offset order within a tick. */
function* traffic(total: number, learners: number): Generator<AcceptedEvent> {
  const rnd = seededRandom(42);
  const iso = (ms: number) => new Date(ms).toISOString();
  const people: Learner[] = Array.from({ length: learners }, (_, l) => ({
    id: `L${l}`,
    platformId: `p${String(l % 50).padStart(2, '0')}`,
    session: 0,
    seq: 0,
    left: -1,
    pauseTicks: Math.floor(rnd() * 20),
    offsetMs: Math.floor((l / learners) * 30_000),
    media: 0,
    idler: rnd() < 0.1,
    last: null,
  }));
  let emitted = 0;
  for (let tick = 0; emitted < total; tick++) {
    for (const p of people) {
      if (emitted >= total) return;
      const t = T0 + tick * 30_000 + p.offsetMs + Math.floor((rnd() - 0.5) * 4000);
      const late = rnd() < 0.02;
      const r = t + (late ? 150_000 + Math.floor(rnd() * 300_000) : 300 + Math.floor(rnd() * 1500));
      const sessionId = `${p.id}-s${p.session}`;
      const env = { platformId: p.platformId, learnerId: p.id, sessionId, time: iso(t), receivedAt: iso(r) };
      let e: AcceptedEvent | null = null;
      if (p.left < 0) {
        if (p.pauseTicks-- > 0) continue;
        p.left = 60 + Math.floor(rnd() * 180);
        p.seq = 0;
        p.media = 0;
        const shared = rnd() < 0.03;
        e = {
          ...env,
          id: `${sessionId}-start`,
          type: 'session.start',
          courseId: `c${p.session % 7}`,
          deviceId: shared ? `shared-${Math.floor(rnd() * 20)}` : `dev-${p.id}`,
          occupation: '6-20-01',
          region: '110105',
          learnerGroup: 'migrant_worker',
        };
      } else if (p.left === 0) {
        e = { ...env, id: `${sessionId}-end`, type: 'session.end', reason: 'completed' };
        p.left = -1;
        p.session += 1;
        p.pauseTicks = Math.floor(rnd() * 40);
      } else if (p.last !== null && rnd() < 0.01) {
        e = p.last; // a resend: same id
      } else if (rnd() < 0.01) {
        e = {
          ...env,
          id: `${sessionId}-q${p.seq}`,
          type: 'quiz.submitted',
          courseId: 'c1',
          quizId: `q${p.seq}`,
          questions: 10,
          correct: 7,
          durationSec: 20 + Math.floor(rnd() * 200),
        };
      } else {
        p.left -= 1;
        p.seq += 1;
        const active = !p.idler && rnd() < 0.8;
        p.media += active ? 30 : 0;
        const check = rnd() < 0.02;
        e = {
          ...env,
          id: `${sessionId}-h${p.seq}`,
          type: 'heartbeat',
          courseId: `c${p.session % 7}`,
          seq: p.seq,
          intervalSec: 30,
          focus: active || rnd() < 0.5,
          interactions: active ? 1 + Math.floor(rnd() * 20) : 0,
          ...(rnd() < 0.5 ? { media: { positionSec: p.media, rate: 1, playing: active } } : {}),
          ...(check ? { presence: rnd() < 0.9 ? ('passed' as const) : ('failed' as const) } : {}),
        };
      }
      p.last = e;
      emitted += 1;
      yield e;
    }
  }
}

/**
 * Time on this thread's CPU. The machine is shared with other work, so wall time mostly measures the
 * neighbours; CPU time measures us (what remains is cache and memory-bus contention).
 */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * JSON.parse of a ~350-byte event, the yardstick DESIGN.md quotes (~720k/s on a quiet machine of this
 * kind). Measured around the run, it tells how busy the machine was.
 */
function parseRate(): number {
  const text = JSON.stringify({
    id: 'L123-s4-h57',
    type: 'heartbeat',
    time: '2026-03-01T08:00:30.000Z',
    receivedAt: '2026-03-01T08:00:31.200Z',
    platformId: 'p07',
    learnerId: 'L123',
    sessionId: 'L123-s4',
    courseId: 'c3',
    seq: 57,
    intervalSec: 30,
    focus: true,
    interactions: 4,
    media: { positionSec: 1710, rate: 1, playing: true },
    ext: { client: 'web-2.3.1', lang: 'zh-CN', tz: 'Asia/Shanghai' },
  });
  let n = 0;
  const c0 = cpuMs();
  while (cpuMs() - c0 < 500) {
    for (let i = 0; i < 1000; i++) JSON.parse(text);
    n += 1000;
  }
  return Math.round(n / ((cpuMs() - c0) / 1000));
}

function main(): void {
  const parseBefore = parseRate();
  const policyFor = createPolicyFor();
  const devices = createMemoryDeviceView();
  const ctx = { policyFor, devices };
  const store = new Map<string, string>();
  const live = new Map<string, LearnerState>();
  const batchMs: number[] = [];
  let applyMs = 0;
  let fullMs = 0;
  let events = 0;
  let segments = 0;
  const outcomes: Record<string, number> = {};

  const batch: AcceptedEvent[] = [];
  let applyCpuMs = 0;
  let fullCpuMs = 0;
  const flush = (): void => {
    const c0 = cpuMs();
    const t0 = performance.now();
    const states = new Map<string, LearnerState>();
    for (const e of batch) {
      if (!states.has(e.learnerId)) {
        const kept = live.get(e.learnerId);
        const stored = kept === undefined ? store.get(e.learnerId) : undefined;
        states.set(
          e.learnerId,
          kept ?? (stored === undefined ? emptyLearnerState(e.learnerId) : deserializeState(stored)),
        );
      }
    }
    const t1 = performance.now();
    const c1 = cpuMs();
    for (const e of batch) {
      const step = applyEvent(states.get(e.learnerId)!, e, ctx);
      states.set(e.learnerId, step.state);
      for (const d of step.out.deviceStarts) devices.record(d.deviceId, d);
      segments += step.out.segments.length;
      outcomes[step.out.outcome] = (outcomes[step.out.outcome] ?? 0) + 1;
    }
    const c2 = cpuMs();
    const t2 = performance.now();
    for (const [id, s] of states) {
      if (KEEP) live.set(id, s);
      else store.set(id, serializeState(s));
    }
    const t3 = performance.now();
    const c3 = cpuMs();
    applyCpuMs += c2 - c1;
    fullCpuMs += c3 - c0;
    applyMs += t2 - t1;
    fullMs += t3 - t0;
    batchMs.push(t3 - t0);
    events += batch.length;
    batch.length = 0;
  };

  // Generated in chunks ahead of the measured loops: its time is not counted, and its garbage dies young
  // instead of sitting in the old generation as a million pre-built events would (the detector holds one
  // consumed batch at a time).
  const source = traffic(TOTAL, LEARNERS);
  for (;;) {
    const chunk: AcceptedEvent[] = [];
    for (let next = source.next(); !next.done; next = source.next()) {
      chunk.push(next.value);
      if (chunk.length === 40 * BATCH) break;
    }
    if (chunk.length === 0) break;
    // As the detector gets them: parsed from the log, not built in place.
    for (const e of JSON.parse(JSON.stringify(chunk)) as AcceptedEvent[]) {
      batch.push(e);
      if (batch.length === BATCH) flush();
    }
  }
  if (batch.length > 0) flush();

  // Active learner: one whose latest session has not ended.
  const sizes: number[] = [];
  for (const text of store.values()) {
    const s = deserializeState(text);
    if (s.sessions.some((x) => x.begun && x.endMs === null)) sizes.push(Buffer.byteLength(text));
  }
  sizes.sort((a, b) => a - b);
  const avgBytes = sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length);

  // The cost of the SHA-256 segment id (events package) on its own, to read the numbers above.
  const n = 200_000;
  const h0 = cpuMs();
  for (let i = 0; i < n; i++) segmentIdOf('p01', 'L1-s0', T0 + i);
  const segmentIdUs = ((cpuMs() - h0) / n) * 1000;

  const parseAfter = parseRate();
  const sorted = [...batchMs].sort((a, b) => a - b);
  const result = {
    benchmark: 'rules-engine',
    machine: machineDescription(),
    setup: { events, learners: LEARNERS, batch: BATCH },
    applyEventPerCpuSec: Math.round(events / (applyCpuMs / 1000)),
    withSerializationPerCpuSec: Math.round(events / (fullCpuMs / 1000)),
    applyEventPerWallSec: Math.round(events / (applyMs / 1000)),
    withSerializationPerWallSec: Math.round(events / (fullMs / 1000)),
    batchMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) },
    avgSerializedBytesPerActiveLearner: Math.round(avgBytes),
    serializedBytes: {
      p50: percentile(sizes, 50),
      p95: percentile(sizes, 95),
      max: sizes.at(-1),
      activeLearners: sizes.length,
    },
    segmentsPerEvent: Math.round((segments / events) * 100) / 100,
    segmentIdOfMicros: Math.round(segmentIdUs * 100) / 100,
    outcomes,
    yardstickJsonParsePerSec: { before: parseBefore, after: parseAfter, quietMachine: 720_000 },
    targets: { applyEventPerCpuSec: 500_000 },
  };
  console.log(JSON.stringify(result, null, 2));
  if (process.env.BENCH_WRITE === '1')
    writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
}

main();
