/**
 * pnpm bench:detector — pre-loads a real Kafka events topic with realistic traffic (30 s heartbeats,
 * some idlers and late uploads), runs the detector against real Kafka and Redis, and prints events/s,
 * Redis commands per event, batch latency percentiles, Redis memory per learner and process RSS; in the
 * same run, the events/s of the pure engine alone. Not a test: numbers vary with the machine's load.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 REDIS_URL=redis://127.0.0.1:6379 pnpm bench:detector [learners] [beats]
 *     [--processes N] [--runs N] [--batch N]
 *
 * The topic is loaded once and read --runs times (default 3), each run by fresh detector processes with
 * a group and Redis keys of their own; the run with the median events/s is the result, and every run
 * is kept. One machine here gave 24k and 31k events/s for the same code in back-to-back runs: a single
 * run says little. HOURGLASS_BENCH_PROFILE makes it one run, in this process. BENCH_RESULTS names
 * another results file (e.g. bench/results/detector-200k-learners.json).
 */
import cluster from 'node:cluster';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type AcceptedEvent, createDayOf, topicNames } from '@hourglass/events';
import { createKafkaLog } from '@hourglass/log';
import { createPolicyFor } from '@hourglass/rules';
import { createRedisStateStore, deleteKeysUnder } from '@hourglass/state';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { indexTraffic, measureEngine } from '../../../bench/engine-measure';
import {
  countArg,
  cpuBudget,
  machineDescription,
  medianOfRuns,
  percentile,
  profiled,
  resultsFile,
  serverCpuSeconds,
} from '../../../bench/machine';
import { benchTraffic } from '../../../bench/traffic';
import { createDetector } from '../src/detector';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// `pnpm bench:detector [learners] [beats] [--processes N]`, flags before or after the numbers.
const args = parseArgs({
  allowPositionals: true,
  options: {
    processes: { type: 'string', default: '1' },
    runs: { type: 'string', default: '3' },
    batch: { type: 'string', default: '1000' },
    partitions: { type: 'string', default: '4' },
  },
});
const learners = countArg(args.positionals[0], 20_000, 'learners');
const beats = countArg(args.positionals[1], 24, 'beats');
const PROCESSES = countArg(args.values.processes, 1, '--processes');
/** Partitions of the bench's topics (the pipeline's default is 4; more let more processes overlap). */
const PARTITIONS = countArg(args.values.partitions, 4, '--partitions');
const PROFILE = process.env.HOURGLASS_BENCH_PROFILE;
const RUNS = PROFILE ? 1 : countArg(args.values.runs, 3, '--runs');
/**
 * The detector's maxBatchSize: records per state round trip and offset commit. Default 1000, the
 * service's own. It was 2000, as fast as 1000 on 2026-11-29; once the commit's encoding got cheaper
 * (2026-11-30), 1000 gave 41-47k events/s from the first batch against 39-42k (two alternating pairs),
 * with less data alive at each young-generation GC. Several processes on 2 cores do better with larger
 * batches (3 processes: 4000 gave 48-49k, 1000 43-44k), as their round trips then compete for the cores.
 */
const BATCH = countArg(args.values.batch, 1000, '--batch');
const policyFor = createPolicyFor();

/** The pure engine on the same traffic, warmed up, median of 5 (engine-measure.ts, as pnpm bench:engine). */
function engineAlone(events: readonly AcceptedEvent[]): number {
  return measureEngine(indexTraffic(events), { reps: 5 }).median.eventsPerSec;
}

async function main(): Promise<void> {
  let events: AcceptedEvent[] = benchTraffic(learners, beats);
  const total = events.length;
  console.log(`generated ${total} events for ${learners} learners`);

  const prefix = `bench${Date.now()}.`;
  const topics = topicNames(prefix);
  const log = createKafkaLog({ brokers, clientId: 'bench-detector' });
  await log.admin().ensureTopics(Object.values(topics).map((name) => ({ name, partitions: PARTITIONS })));
  const producer = log.producer();
  await producer.connect();
  for (let i = 0; i < events.length; i += 5000) {
    const chunk = events.slice(i, i + 5000);
    await producer.send(
      chunk.map((e) => ({ topic: topics.events, key: e.learnerId, value: JSON.stringify(e) })),
    );
  }
  await producer.disconnect();
  // A detector process holds no generated traffic: let it go, so the GC works on the detector's heap only.
  events = [];
  console.log('events topic pre-loaded');

  const redis = new Redis(redisUrl);
  const { median, all: runs } = await medianOfRuns({
    runs: RUNS,
    measure: (run) =>
      measureRun(
        redis,
        { topics, groupId: `${prefix}detector-${run}`, keyPrefix: `hgbench${Date.now()}-${run}:` },
        total,
      ),
    rate: (r) => r.eventsPerSec,
    describe: (r) =>
      `${r.eventsPerSec} events/s including ${r.startupSeconds} s of start-up, ${r.processingEventsPerSec} from the first batch to the last, ${r.cpuMicrosPerEvent.total} µs of CPU per event in all`,
  });
  // After the runs: the engine's repetitions leave ~1 GB of garbage in this process, which its GC would
  // otherwise collect while the detector processes are being measured, on the same two cores.
  const engineRate = engineAlone(benchTraffic(learners, beats));
  console.log(`engine alone: ${Math.round(engineRate)} events/s`);
  const result = {
    benchmark: 'detector',
    machine: machineDescription(),
    events: total,
    learners,
    detectorProcesses: PROCESSES,
    partitions: PARTITIONS,
    maxBatchSize: BATCH,
    engineAloneEventsPerSec: Math.round(engineRate),
    runsOf: runs.length,
    ...median,
    runs: runs.map((r) => ({
      eventsPerSec: r.eventsPerSec,
      processingEventsPerSec: r.processingEventsPerSec,
      startupSeconds: r.startupSeconds,
      cpuMicrosPerEvent: r.cpuMicrosPerEvent.total,
      detectorRssMB: r.detectorRssMB,
    })),
    note: `end to end through the detector: Kafka consume from a pre-loaded topic, Redis MGET + fenced Lua commit, produce of all outputs (acks -1); Kafka, Redis and the bench share the 2 cores. The topic is read ${runs.length} times by fresh detector processes (each run its own group and Redis keys); the fields above 'runs' are those of the median run. eventsPerSec counts the whole run, start-up included (startupSeconds: process start, connections and group join, until the first batch began); processingEventsPerSec counts from the first batch's start to the last batch's end. cpuMicrosPerEvent: CPU of the detector, the Redis server and the Kafka broker over the run, per event; ceilingPerSecOnAllCores is what all cores would allow at that total. redisBytesPerLearner: Redis used_memory after the run (detectors disconnected) less before it, less the partition keys (redisPartitionKeysBytes: each partition's epoch, watermark and outbox, the outbox holding the outputs of its last batch, so partitions × batch and not learners), per learner; the Redis server may be shared, and others' writes during the run count too.`,
  };
  console.log(JSON.stringify(result, null, 2));
  writeFileSync(resultsFile('detector.json'), `${JSON.stringify(result, null, 2)}\n`);
  await log.admin().deleteTopics?.(Object.values(topics));
  await log.close();
  redis.disconnect();
}

/** One read of the whole topic by fresh detectors; their Redis keys are deleted afterwards. */
async function measureRun(redis: Redis, setup: DetectorSetup, total: number) {
  const memBefore = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
  const batchMs: number[] = [];
  let done = 0;
  // The processing window: from the start of the first batch (the group joined, the first fetch
  // answered) to the end of the last. Start-up (process, connections, group join) is reported apart,
  // as Kafka's own kafka-consumer-perf-test reports its rebalance time apart from its fetch rate.
  let firstBatchAt: number | null = null;
  let lastBatchAt = 0;
  let finished: () => void = () => {};
  const allDone = new Promise<void>((r) => {
    finished = r;
  });
  const onBatchDone = (b: BatchDone) => {
    const now = performance.now();
    if (firstBatchAt === null || now - b.ms < firstBatchAt) firstBatchAt = now - b.ms;
    lastBatchAt = now;
    batchMs.push(b.ms);
    done += b.events;
    if (done >= total) finished();
  };
  const serversBefore = serverCpuSeconds(['kafka', 'redis']);
  const started = performance.now();
  // In this process only to profile it; otherwise each run gets processes of its own, so one run's
  // heap, JIT state and garbage do not carry into the next.
  const detectors = PROFILE
    ? [await startDetector(setup, onBatchDone)]
    : await startWorkers(setup, onBatchDone);
  await profiled(PROFILE, () => allDone);
  const seconds = (performance.now() - started) / 1000;
  const processingSeconds = (lastBatchAt - (firstBatchAt ?? started)) / 1000;
  const serversAfter = serverCpuSeconds(['kafka', 'redis']);
  const finals = await Promise.all(detectors.map((d) => d.stop()));
  const cpuMicros = finals.reduce((sum, f) => sum + f.cpuMicros, 0);
  const rss = Math.max(...finals.map((f) => f.rss));
  const stats = {
    roundTrips: finals.reduce((sum, f) => sum + f.roundTrips, 0),
    commands: finals.reduce((sum, f) => sum + f.commands, 0),
  };
  const memAfter = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
  const partitionBytes = await partitionKeysMemory(redis, setup.keyPrefix);
  batchMs.sort((a, b) => a - b);
  await deleteKeysUnder(redis, setup.keyPrefix);
  return {
    eventsPerSec: Math.round(total / seconds),
    seconds: Math.round(seconds * 10) / 10,
    startupSeconds: Math.round(((firstBatchAt ?? started) - started) / 100) / 10,
    processingEventsPerSec: Math.round(total / processingSeconds),
    detectorCpuMicrosPerEvent: Math.round((cpuMicros / total) * 10) / 10,
    cpuMicrosPerEvent: cpuBudget({
      before: serversBefore,
      after: serversAfter,
      own: { detector: cpuMicros },
      units: total,
    }),
    batches: batchMs.length,
    batchMs: { p50: percentile(batchMs, 50), p95: percentile(batchMs, 95), p99: percentile(batchMs, 99) },
    redisRoundTripsPerEvent: stats.roundTrips / total,
    redisCommandsPerEvent: stats.commands / total,
    // Learner state only: the partition keys are per partition, not per learner (see partitionKeysMemory).
    redisBytesPerLearner: Math.round((memAfter - memBefore - partitionBytes) / learners),
    redisPartitionKeysBytes: partitionBytes,
    detectorRssMB: Math.round(rss / 2 ** 20),
    detectorRssMBPerProcess: finals.map((f) => Math.round(f.rss / 2 ** 20)),
  };
}

/**
 * Memory of the run's partition keys (epoch, watermark, counted, stretch, outbox): the outbox keeps the
 * output records of each partition's last batch (~210 B an event), so these cost partitions × batch and
 * not learners. Counted in redisBytesPerLearner they made 12 partitions at --batch 4000 on 40k learners
 * read 1058-1084 B per learner, 265 B of it the outboxes (10.6 MB); the learner keys were 524 B (MEMORY
 * USAGE), the device windows 136, the key and expiry tables most of the rest. The bench's prefixes
 * (hgbench<time>-<run>:) hold no glob characters, so the prefix is its own SCAN pattern.
 */
async function partitionKeysMemory(redis: Redis, keyPrefix: string): Promise<number> {
  let bytes = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}p:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) bytes += Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
  } while (cursor !== '0');
  return bytes;
}

interface DetectorSetup {
  topics: ReturnType<typeof topicNames>;
  groupId: string;
  keyPrefix: string;
}
interface BatchDone {
  records: number;
  events: number;
  ms: number;
}
interface DetectorFinal {
  cpuMicros: number;
  rss: number;
  roundTrips: number;
  commands: number;
}

/** One detector process's work: the real detector against real Kafka and Redis, as `hourglass detector` runs it. */
async function startDetector(
  setup: DetectorSetup,
  onBatchDone: (b: BatchDone) => void,
): Promise<{ stop(): Promise<DetectorFinal> }> {
  const cpu0 = process.cpuUsage();
  const log = createKafkaLog({ brokers, clientId: 'bench-detector' });
  const state = createRedisStateStore({ url: redisUrl, keyPrefix: setup.keyPrefix });
  const detector = createDetector({
    log,
    state,
    policyFor,
    dayOf: createDayOf('Asia/Shanghai'),
    eventsTopic: setup.topics.events,
    topics: setup.topics,
    groupId: setup.groupId,
    registry: new Registry(),
    logger: { info() {}, warn: console.warn, error: console.error },
    maxBatchSize: BATCH,
    onBatchDone,
  });
  await detector.start();
  return {
    async stop() {
      const cpu = process.cpuUsage(cpu0);
      const rss = process.memoryUsage().rss;
      await detector.stop();
      const stats = state.stats();
      await state.close();
      await log.close();
      return {
        cpuMicros: cpu.user + cpu.system,
        rss,
        roundTrips: stats.roundTrips,
        commands: stats.commands,
      };
    },
  };
}

/** `--processes N` detector processes in one consumer group, as the detector scales (by partitions). */
async function startWorkers(
  setup: DetectorSetup,
  onBatchDone: (b: BatchDone) => void,
): Promise<{ stop(): Promise<DetectorFinal> }[]> {
  const workers = Array.from({ length: PROCESSES }, () =>
    cluster.fork({ HOURGLASS_BENCH_SETUP: JSON.stringify(setup) }),
  );
  for (const w of workers) {
    w.on('message', (m: { batch?: BatchDone }) => {
      if (m.batch) onBatchDone(m.batch);
    });
  }
  await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
  return workers.map((w) => ({
    stop: () =>
      new Promise<DetectorFinal>((resolve) => {
        w.on('message', (m: { final?: DetectorFinal }) => {
          if (m.final) resolve(m.final);
        });
        w.send('stop');
      }),
  }));
}

async function worker(): Promise<void> {
  const setup = JSON.parse(process.env.HOURGLASS_BENCH_SETUP as string) as DetectorSetup;
  const d = await startDetector(setup, (batch) => process.send?.({ batch }));
  process.send?.({ started: true });
  process.on('message', async () => {
    process.send?.({ final: await d.stop() });
    process.exit(0);
  });
}

if (cluster.isWorker) await worker();
else await main();
