/**
 * The pure engine alone (issue #4: ≥ 500,000 events/s):  pnpm bench:engine [learners] [beats] [reps]
 *
 * Runs `applyEvent` over the detector benchmark's traffic (bench/traffic.ts, benchTraffic(20000, 24) by
 * default), measured as bench/engine-measure.ts does for the detector bench's engine figure too, without
 * Kafka or Redis. Each repetition starts from empty states and a fresh device view; one warm-up repetition runs
 * first. Prints events/s and CPU µs per event per repetition, their median, and the CPU µs per event over
 * all repetitions. CPU time counts the GC's helper threads too; on a busy machine their share varies
 * from run to run, and `node --single-threaded-gc` gives steadier numbers to compare two versions with.
 *
 * The result goes to bench/results/engine.json, as the other benchmarks' do; BENCH_RESULTS names another
 * file. HOURGLASS_BENCH_PROFILE=file writes a V8 CPU profile of
 * the measured repetitions. BENCH_DIGEST=1 also prints a SHA-256 of every output and final state, to
 * compare two versions of the engine event for event.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { AcceptedEvent } from '@hourglass/events';
import { indexTraffic, measureEngine } from '../../../bench/engine-measure';
import { machineDescription, profiled, resultsFile } from '../../../bench/machine';
import { benchTraffic } from '../../../bench/traffic';
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
  const traffic = indexTraffic(benchTraffic(LEARNERS, BEATS));
  const { events, index, learnerIds } = traffic;
  const { reps, median } = await profiled(process.env.HOURGLASS_BENCH_PROFILE, async () =>
    measureEngine(traffic, {
      reps: REPS,
      onRep: (rep, n) =>
        console.error(`rep ${n}: ${rep.eventsPerSec} events/s, ${rep.cpuMicrosPerEvent} CPU µs/event`),
    }),
  );
  const result = {
    benchmark: 'rules-engine-alone',
    machine: machineDescription(),
    setup: { traffic: `benchTraffic(${LEARNERS}, ${BEATS})`, events: events.length, repetitions: REPS },
    /** Over all repetitions together: a major GC lands in some repetitions and not others. */
    allReps: {
      cpuMicrosPerEvent:
        Math.round((reps.reduce((a, r) => a + r.cpuMicrosPerEvent, 0) / reps.length) * 1000) / 1000,
    },
    median,
    reps,
    ...(process.env.BENCH_DIGEST === '1' ? { digest: digest(events, index, learnerIds) } : {}),
    targets: { eventsPerSec: 500_000 },
  };
  console.log(JSON.stringify(result, null, 2));
  writeFileSync(resultsFile('engine.json'), `${JSON.stringify(result, null, 2)}\n`);
}

await main();
