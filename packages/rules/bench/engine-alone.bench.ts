/**
 * The pure engine alone (issue #4: ≥ 500,000 events/s):  pnpm bench:engine [learners] [beats] [reps]
 *
 * Runs `applyEvent` over the detector benchmark's traffic (services/detector/bench/traffic.ts,
 * benchTraffic(20000, 24) by default, imported by relative path from this script only: the rules package
 * itself does not depend on services) the way the detector bench's engineAlone() does, without Kafka or
 * Redis. Each repetition starts from empty states and a fresh device view; one warm-up repetition runs
 * first. Prints events/s and CPU µs per event per repetition, their median, and the CPU µs per event over
 * all repetitions. CPU time counts the GC's helper threads too; on a busy machine their share varies
 * from run to run, and `node --single-threaded-gc` gives steadier numbers to compare two versions with.
 *
 * The harness is kept out of the measurement: engineAlone() looks each learner's state up in a
 * Map<learnerId, state>; here every event's learner index is computed before timing and states live in
 * an array, so the timed loop is applyEvent plus an array load and store.
 *
 * BENCH_RESULTS=file writes the result as JSON. HOURGLASS_BENCH_PROFILE=file writes a V8 CPU profile of
 * the measured repetitions. BENCH_DIGEST=1 also prints a SHA-256 of every output and final state, to
 * compare two versions of the engine event for event.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { AcceptedEvent } from '@hourglass/events';
import { machineDescription, profiled } from '../../../bench/machine';
import { benchTraffic } from '../../../services/detector/bench/traffic';
import {
  applyEvent,
  createMemoryDeviceView,
  createPolicyFor,
  emptyLearnerState,
  type LearnerState,
  type StepContext,
} from '../src/index';

const LEARNERS = Number(process.argv[2] ?? 20_000);
const BEATS = Number(process.argv[3] ?? 24);
const REPS = Math.max(5, Number(process.argv[4] ?? 7));

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

interface Rep {
  eventsPerSec: number;
  cpuEventsPerSec: number;
  cpuMicrosPerEvent: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function run(events: readonly AcceptedEvent[], index: Int32Array, learnerIds: readonly string[]): Rep {
  const states: LearnerState[] = learnerIds.map((id) => emptyLearnerState(id));
  const ctx: StepContext = { policyFor: createPolicyFor(), devices: createMemoryDeviceView() };
  const c0 = cpuMicros();
  const t0 = performance.now();
  for (let i = 0; i < events.length; i++) {
    const l = index[i]!;
    states[l] = applyEvent(states[l]!, events[i]!, ctx).state;
  }
  const wallMs = performance.now() - t0;
  const cpuUs = cpuMicros() - c0;
  return {
    eventsPerSec: Math.round(events.length / (wallMs / 1000)),
    cpuEventsPerSec: Math.round(events.length / (cpuUs / 1e6)),
    cpuMicrosPerEvent: Math.round((cpuUs / events.length) * 1000) / 1000,
  };
}

/** Every output and final state, hashed: equal digests mean the two engines behaved identically here. */
function digest(events: readonly AcceptedEvent[], index: Int32Array, learnerIds: readonly string[]): string {
  const states: LearnerState[] = learnerIds.map((id) => emptyLearnerState(id));
  const ctx: StepContext = { policyFor: createPolicyFor(), devices: createMemoryDeviceView() };
  const h = createHash('sha256');
  for (let i = 0; i < events.length; i++) {
    const l = index[i]!;
    const step = applyEvent(states[l]!, events[i]!, ctx);
    states[l] = step.state;
    h.update(JSON.stringify(step.out));
  }
  for (const s of states) h.update(JSON.stringify(s));
  return h.digest('hex');
}

async function main(): Promise<void> {
  // As the detector gets them: parsed from the log, not built in place.
  const events = JSON.parse(JSON.stringify(benchTraffic(LEARNERS, BEATS))) as AcceptedEvent[];
  const byId = new Map<string, number>();
  const learnerIds: string[] = [];
  const index = new Int32Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const id = events[i]!.learnerId;
    let l = byId.get(id);
    if (l === undefined) {
      l = learnerIds.length;
      learnerIds.push(id);
      byId.set(id, l);
    }
    index[i] = l;
  }
  run(events, index, learnerIds); // warm-up
  const reps = await profiled(process.env.HOURGLASS_BENCH_PROFILE, async () => {
    const out: Rep[] = [];
    for (let r = 0; r < REPS; r++) {
      out.push(run(events, index, learnerIds));
      console.error(
        `rep ${r + 1}: ${out[r]!.eventsPerSec} events/s, ${out[r]!.cpuMicrosPerEvent} CPU µs/event`,
      );
    }
    return out;
  });
  const result = {
    benchmark: 'rules-engine-alone',
    machine: machineDescription(),
    setup: { traffic: `benchTraffic(${LEARNERS}, ${BEATS})`, events: events.length, repetitions: REPS },
    /** Over all repetitions together: a major GC lands in some repetitions and not others. */
    allReps: {
      cpuMicrosPerEvent:
        Math.round((reps.reduce((a, r) => a + r.cpuMicrosPerEvent, 0) / reps.length) * 1000) / 1000,
    },
    median: {
      eventsPerSec: median(reps.map((r) => r.eventsPerSec)),
      cpuEventsPerSec: median(reps.map((r) => r.cpuEventsPerSec)),
      cpuMicrosPerEvent: median(reps.map((r) => r.cpuMicrosPerEvent)),
    },
    reps,
    ...(process.env.BENCH_DIGEST === '1' ? { digest: digest(events, index, learnerIds) } : {}),
    targets: { eventsPerSec: 500_000 },
  };
  console.log(JSON.stringify(result, null, 2));
  if (process.env.BENCH_RESULTS)
    writeFileSync(process.env.BENCH_RESULTS, `${JSON.stringify(result, null, 2)}\n`);
}

await main();
