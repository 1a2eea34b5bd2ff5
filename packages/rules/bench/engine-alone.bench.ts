/**
 * The pure engine alone (issue #4: ≥ 500,000 events/s):
 *   pnpm bench:engine [learners] [beats] [reps] [--processes N]
 *
 * Runs `applyEvent` over the detector benchmark's traffic (bench/traffic.ts, benchTraffic(20000, 24) by
 * default), measured as bench/engine-measure.ts does for the detector bench's engine figure too, without
 * Kafka or Redis. Each repetition starts from empty states and a fresh device view; one warm-up repetition runs
 * first. Prints events/s and CPU µs per event per repetition, their median, and the CPU µs per event over
 * all repetitions. CPU time counts the GC's helper threads too; on a busy machine their share varies
 * from run to run, and `node --single-threaded-gc` gives steadier numbers to compare two versions with.
 *
 * `--processes N` splits the learners between N processes (every N-th learner each, as partitions split them
 * between detector processes), each with its own heap and the same node flags. A repetition starts them
 * together and ends when the last one is done; its rate is all their events over that wall time.
 *
 * The result goes to bench/results/engine.json (engine-N-processes.json with N > 1), as the other
 * benchmarks' do; BENCH_RESULTS names another file. HOURGLASS_BENCH_PROFILE=file writes a V8 CPU profile
 * of the measured repetitions (one process only). BENCH_DIGEST=1 also prints a SHA-256 of every output
 * and final state, to compare two versions of the engine event for event.
 */
import cluster from 'node:cluster';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { AcceptedEvent } from '@hourglass/events';
import {
  type EngineRep,
  type IndexedTraffic,
  indexTraffic,
  measureEngine,
  medianRep,
  runEngine,
  shardOf,
} from '../../../bench/engine-measure';
import { countArg, machineDescription, profiled, resultsFile } from '../../../bench/machine';
import { benchTraffic } from '../../../bench/traffic';
import {
  applyEvent,
  createMemoryDeviceView,
  createPolicyFor,
  emptyLearnerState,
  type LearnerState,
  type StepContext,
} from '../src/index';

const args = parseArgs({ allowPositionals: true, options: { processes: { type: 'string', default: '1' } } });
const LEARNERS = countArg(args.positionals[0], 20_000, 'learners');
const BEATS = countArg(args.positionals[1], 24, 'beats');
const REPS = Math.max(5, countArg(args.positionals[2], 7, 'reps'));
const PROCESSES = countArg(args.values.processes, 1, '--processes');
if (PROCESSES > 1 && process.env.HOURGLASS_BENCH_PROFILE)
  throw new Error('HOURGLASS_BENCH_PROFILE profiles this process; it cannot be combined with --processes');

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

const logRep = (rep: EngineRep, n: number) =>
  console.error(`rep ${n}: ${rep.eventsPerSec} events/s, ${rep.cpuMicrosPerEvent} CPU µs/event`);

/** What a process of `--processes N` answers per repetition. */
interface ShardRep {
  events: number;
  rep: EngineRep;
}

/** `--processes N`: N processes, each warmed up on its share of the learners, started together per repetition. */
/** What a measurement returns: its repetitions, their median, and the events each one ran. */
interface Measured {
  reps: EngineRep[];
  median: EngineRep;
  events: number;
}

async function measureInProcesses(): Promise<Measured> {
  const workers = Array.from({ length: PROCESSES }, (_, shard) =>
    cluster.fork({ HOURGLASS_ENGINE_SHARD: String(shard) }),
  );
  // Each process answers 'ready' with the number of events of its share.
  const shares = await Promise.all(
    workers.map((w) => new Promise<number>((r) => w.once('message', (m: number) => r(m)))),
  );
  const events = shares.reduce((a, n) => a + n, 0);
  const reps: EngineRep[] = [];
  for (let n = 1; n <= REPS; n++) {
    const answers = workers.map(
      (w) => new Promise<ShardRep>((r) => w.once('message', (m: ShardRep) => r(m))),
    );
    const t0 = performance.now();
    for (const w of workers) w.send('run');
    const shards = await Promise.all(answers);
    const seconds = (performance.now() - t0) / 1000;
    const cpuMicros = shards.reduce((a, x) => a + x.rep.cpuMicrosPerEvent * x.events, 0);
    const rep: EngineRep = {
      eventsPerSec: Math.round(events / seconds),
      cpuEventsPerSec: Math.round(events / (cpuMicros / 1e6)),
      cpuMicrosPerEvent: Math.round((cpuMicros / events) * 1000) / 1000,
    };
    logRep(rep, n);
    console.error(`  per process: ${shards.map((x) => x.rep.eventsPerSec).join(', ')} events/s`);
    reps.push(rep);
  }
  for (const w of workers) w.kill();
  return { reps, median: medianRep(reps), events };
}

/** One process of `--processes N`: its learners, a warm-up, then a repetition per request. */
function shardWorker(shard: number): void {
  const mine: IndexedTraffic = shardOf(indexTraffic(benchTraffic(LEARNERS, BEATS)), shard, PROCESSES);
  runEngine(mine);
  process.send?.(mine.events.length);
  process.on('message', () => {
    const answer: ShardRep = { events: mine.events.length, rep: runEngine(mine) };
    process.send?.(answer);
  });
}

/** One process: the whole traffic, here. */
async function measureHere(): Promise<Measured> {
  const traffic = indexTraffic(benchTraffic(LEARNERS, BEATS));
  const measured = await profiled(process.env.HOURGLASS_BENCH_PROFILE, async () =>
    measureEngine(traffic, { reps: REPS, onRep: logRep }),
  );
  return { ...measured, events: traffic.events.length };
}

/** BENCH_DIGEST=1: the whole traffic's digest, computed after the measuring. */
function trafficDigest(): string {
  const { events, index, learnerIds } = indexTraffic(benchTraffic(LEARNERS, BEATS));
  return digest(events, index, learnerIds);
}

async function main(): Promise<void> {
  // With --processes each process builds its own share: this one does not hold the whole traffic meanwhile.
  const { reps, median, events } = PROCESSES > 1 ? await measureInProcesses() : await measureHere();
  const result = {
    benchmark: 'rules-engine-alone',
    machine: machineDescription(),
    setup: {
      traffic: `benchTraffic(${LEARNERS}, ${BEATS})`,
      events,
      repetitions: REPS,
      processes: PROCESSES,
    },
    /** Over all repetitions together: a major GC lands in some repetitions and not others. */
    allReps: {
      cpuMicrosPerEvent:
        Math.round((reps.reduce((a, r) => a + r.cpuMicrosPerEvent, 0) / reps.length) * 1000) / 1000,
    },
    median,
    reps,
    ...(process.env.BENCH_DIGEST === '1' ? { digest: trafficDigest() } : {}),
    targets: { eventsPerSec: 500_000 },
  };
  console.log(JSON.stringify(result, null, 2));
  const name = PROCESSES > 1 ? `engine-${PROCESSES}-processes.json` : 'engine.json';
  writeFileSync(resultsFile(name), `${JSON.stringify(result, null, 2)}\n`);
}

if (cluster.isWorker) shardWorker(Number(process.env.HOURGLASS_ENGINE_SHARD));
else await main();
