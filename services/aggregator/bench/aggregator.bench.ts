/**
 * pnpm bench:aggregator [segments] — segments through the whole write path: a pre-loaded Kafka segments
 * topic (sessions and flags too) → the aggregator (kafkajs consumer, JSON parse, group commit) → the
 * warehouse port → ClickHouse. Prints rows/s end to end, the aggregator's CPU per 10k rows and its RSS.
 * `pnpm bench:warehouse` measures the warehouse port alone on 10M rows; this is the same data's first
 * days as the aggregator sees them. Not a test: numbers vary with the machine's load.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 CLICKHOUSE_URL=http://127.0.0.1:8123 pnpm bench:aggregator 2000000 [--processes N]
 *
 * --processes N runs N aggregator processes in one consumer group, as replicas of the service would.
 * --runs N (default 3): the topics are loaded once and read N times, each run by fresh aggregator
 * processes with a consumer group and a ClickHouse database of their own; the run with the median
 * rows/s is the result and every run is kept (this machine's speed swings ±25 % between runs).
 * BENCH_RESULTS names another results file. HOURGLASS_BENCH_PROFILE makes it one run.
 */

import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { getHeapSpaceStatistics } from 'node:v8';
import { consumerGroups, createDayOf, topicNames } from '@hourglass/events';
import { createKafkaLog, ensurePipelineTopics } from '@hourglass/log';
import { clickHouseOptionsFromUrl, createClickHouseWarehouse, sqlString } from '@hourglass/warehouse';
import { Registry } from 'prom-client';
import {
  countArg,
  cpuBudget,
  machineDescription,
  medianOfRuns,
  profiled,
  resultsFile,
  serverCpuSeconds,
} from '../../../bench/machine';
// The warehouse benchmark's generator: the same realistic segments, sessions and flags.
import { BENCH_SHAPE, createGenerator } from '../../../bench/segments-generator';
import { createAggregator } from '../src/aggregator';
import { sendSegments } from './send-segments';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const clickhouseUrl = process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';
const args = parseArgs({
  allowPositionals: true,
  options: {
    processes: { type: 'string', default: '1' },
    runs: { type: 'string', default: '3' },
    'group-rows': { type: 'string', default: '50000' },
  },
});
const SEGMENTS = countArg(args.positionals[0], 2_000_000, 'segments');
/** Aggregator processes in the group (each its own process, like replicas of the service). */
const PROCESSES = countArg(args.values.processes, 1, '--processes');
const RUNS = process.env.HOURGLASS_BENCH_PROFILE ? 1 : countArg(args.values.runs, 3, '--runs');
const TIME_ZONE = BENCH_SHAPE.timeZone;
/** The aggregator's maxGroupRows (AGGREGATOR_BATCH_ROWS): rows per warehouse write. */
const GROUP_ROWS = countArg(args.values['group-rows'], 50_000, '--group-rows');

async function main(): Promise<void> {
  const prefix = `aggbench${Date.now()}.`;
  const topics = topicNames(prefix);
  const log = createKafkaLog({ brokers, clientId: 'bench-aggregator' });
  await ensurePipelineTopics(log, topics);

  // The warehouse benchmark's data, cut to SEGMENTS rows (its first days).
  const gen = createGenerator(BENCH_SHAPE);
  const dayOf = createDayOf(TIME_ZONE);
  const producer = log.producer({ clientId: 'bench-aggregator-load' });
  let segments = 0;
  let others = 0;
  for (let d = 0; segments < SEGMENTS; d++) {
    const day = gen.day(d);
    const rows = day.segments.slice(0, SEGMENTS - segments);
    await sendSegments(producer, topics.segments, rows);
    // What the detector would count for these segments, so that reconcile() checks them per platform.
    const perPlatform = new Map<string, number>();
    for (const s of rows) perPlatform.set(s.platformId, (perPlatform.get(s.platformId) ?? 0) + 1);
    const dayText = dayOf((rows[0] as (typeof rows)[0]).startMs);
    await producer.send([
      ...[...perPlatform].map(([platformId, n]) => ({
        topic: topics.counts,
        key: platformId,
        value: JSON.stringify({
          countId: `bench/${d}/${platformId}`,
          platformId,
          day: dayText,
          accepted: n,
          segments: n,
        }),
      })),
      ...day.sessions.map((s) => ({
        topic: topics.sessions,
        key: `${s.platformId}/${s.sessionId}`,
        value: JSON.stringify(s),
      })),
      ...day.flags.map((f) => ({ topic: topics.flags, key: f.flagId, value: JSON.stringify(f) })),
    ]);
    segments += rows.length;
    others += day.sessions.length + day.flags.length;
  }
  await producer.disconnect();
  console.log(
    `topics pre-loaded: ${segments.toLocaleString('en')} segments, ${others.toLocaleString('en')} sessions and flags`,
  );

  const { median, all: runs } = await medianOfRuns({
    runs: RUNS,
    measure: (run) =>
      measureRun({ prefix, groupId: `${consumerGroups(prefix).aggregator}-${run}` }, segments),
    rate: (r) => r.segmentRowsPerSecond,
    describe: (r) =>
      `${r.segmentRowsPerSecond} rows/s including ${r.startupSeconds} s of start-up, ${r.processingRowsPerSecond} from the first batch to the last row, ${r.cpuMicrosPerSegment.total} µs of CPU per segment in all`,
  });
  const result = {
    benchmark: 'aggregator',
    machine: machineDescription(),
    segments,
    sessionsAndFlags: others,
    aggregatorProcesses: PROCESSES,
    maxGroupRows: GROUP_ROWS,
    runsOf: runs.length,
    ...median,
    runs: runs.map((r) => ({
      segmentRowsPerSecond: r.segmentRowsPerSecond,
      processingRowsPerSecond: r.processingRowsPerSecond,
      startupSeconds: r.startupSeconds,
      cpuMicrosPerSegment: r.cpuMicrosPerSegment.total,
      aggregatorPeakRssMB: r.aggregatorPeakRssMB,
    })),
    note: `Kafka, ClickHouse and the aggregator (processes of their own, started after the topics were loaded) share the 2 cores; segmentRowsPerSecond's time includes their start and group join (startupSeconds, until the first batch reached an aggregator); processingRowsPerSecond counts from there to the last row stored (seen by polling the active parts' rows in system.parts every 100 ms, then one count()). The topics are read ${runs.length} times, each run by fresh aggregator processes into a new database; the fields above 'runs' are those of the median run. cpuMicrosPerSegment: CPU of the aggregator, the ClickHouse server (inserts, the duplicate checks and the merges that ran meanwhile) and the Kafka broker over the run, per segment; ceilingPerSecOnAllCores is what all cores would allow at that total.`,
  };
  console.log(JSON.stringify(result, null, 2));
  writeFileSync(resultsFile('aggregator.json'), `${JSON.stringify(result, null, 2)}\n`);
  await log.admin().deleteTopics?.(Object.values(topics));
  await log.close();
}

/** One statement over ClickHouse's HTTP interface, for what the warehouse has no method for; its answer. */
async function clickhouse(sql: string): Promise<string> {
  const res = await fetch(`${clickhouseUrl.replace(/\/$/, '')}/`, { method: 'POST', body: sql });
  if (!res.ok) throw new Error(`ClickHouse: ${res.status} ${await res.text()}`);
  return res.text();
}

/** Rows in the active parts of the database's segments table: what has been inserted, from metadata. */
async function storedRows(database: string): Promise<number> {
  const rows = await clickhouse(
    `SELECT sum(rows) FROM system.parts WHERE database = ${sqlString(database)} AND table = 'segments' AND active`,
  );
  return Number(rows.trim());
}

/** One read of the loaded topics by fresh aggregator processes into a database of their own (dropped after). */
async function measureRun(setup: { prefix: string; groupId: string }, segments: number) {
  const database = `hg_aggbench_${randomBytes(4).toString('hex')}`;
  const warehouse = createClickHouseWarehouse({
    ...clickHouseOptionsFromUrl(`${clickhouseUrl.replace(/\/$/, '')}/${database}`),
    timeZone: TIME_ZONE,
  });
  await warehouse.migrate();

  // The aggregator runs in a process of its own, so its CPU and RSS are not the loader's.
  const serversBefore = serverCpuSeconds(['kafka', 'clickhouse']);
  const started = performance.now();
  type Final = {
    cpuMicros: number;
    peakRss: number;
    atPeak: Record<string, number>;
    writes: { count: number; seconds: number };
  };
  const workers = Array.from({ length: PROCESSES }, () =>
    cluster.fork({ HOURGLASS_BENCH_SETUP: JSON.stringify({ ...setup, database }) }),
  );
  // The processing window starts when the first batch reached an aggregator: start-up (process,
  // connections, group join) is reported apart, as kafka-consumer-perf-test reports its rebalance time.
  let firstBatchAt: number | null = null;
  const startedAt = Date.now();
  const finals = workers.map(
    (w) =>
      new Promise<Final>((resolve) =>
        w.on('message', (m: { final?: Final; firstBatchAt?: number }) => {
          if (m.firstBatchAt !== undefined && (firstBatchAt === null || m.firstBatchAt < firstBatchAt))
            firstBatchAt = m.firstBatchAt;
          if (m.final) resolve(m.final);
        }),
      ),
  );
  // Polled from system.parts (metadata) rather than with count(): on 18.16 a count() reads the table,
  // ~11 ms a poll and growing with it, and ~270 polls a run put ~0.45 µs per segment of the benchmark's
  // own queries into ClickHouse's CPU (helper perf-agg3, system.query_log). The aggregator checks ids
  // before inserting, so the active parts' rows are the stored segments; count() confirms at the end.
  while ((await storedRows(database)) < segments || (await warehouse.counts()).segments < segments)
    await new Promise((r) => setTimeout(r, 100));
  const seconds = (performance.now() - started) / 1000;
  const endedAt = Date.now();
  const serversAfter = serverCpuSeconds(['kafka', 'clickhouse']);
  // The count records travel on a topic of their own: wait for them too before reconciling (30 s at most).
  const countedBy = Date.now() + 30_000;
  const counted = async () =>
    (await warehouse.programme()).platforms.reduce((n, p) => n + p.acceptedEvents, 0);
  while ((await counted()) < segments && Date.now() < countedBy) await new Promise((r) => setTimeout(r, 200));
  for (const w of workers) w.send('stop');
  const all = await Promise.all(finals);
  const cpuMicros = all.reduce((n, f) => n + f.cpuMicros, 0);
  // The process that peaked highest, and where its memory sat then.
  const { peakRss, atPeak } = all.reduce((a, b) => (b.peakRss > a.peakRss ? b : a));
  const groupWrites = all.reduce((n, f) => n + f.writes.count, 0);
  const reconciliation = await warehouse.reconcile();
  await clickhouse(`DROP DATABASE IF EXISTS ${database}`);
  await warehouse.close();
  return {
    seconds: Math.round(seconds * 10) / 10,
    segmentRowsPerSecond: Math.round(segments / seconds),
    startupSeconds: Math.round(((firstBatchAt ?? startedAt) - startedAt) / 100) / 10,
    processingRowsPerSecond: Math.round((segments * 1000) / (endedAt - (firstBatchAt ?? startedAt))),
    aggregatorCpuMsPer10kSegments: Math.round((cpuMicros / 1000 / segments) * 10_000 * 10) / 10,
    cpuMicrosPerSegment: cpuBudget({
      before: serversBefore,
      after: serversAfter,
      own: { aggregator: cpuMicros },
      units: segments,
    }),
    aggregatorPeakRssMB: Math.round(peakRss / 2 ** 20),
    aggregatorPeakRssMBPerProcess: all.map((f) => Math.round(f.peakRss / 2 ** 20)),
    aggregatorMemoryAtPeakMB: atPeak,
    // Group writes (one insert per table each) and the time spent in them, from the aggregator's
    // hourglass_aggregator_insert_seconds: how big the inserts were, and how much of the run they took.
    groupWrites,
    segmentsPerGroupWrite: Math.round(segments / Math.max(1, groupWrites)),
    groupWriteSeconds: Math.round(all.reduce((n, f) => n + f.writes.seconds, 0) * 10) / 10,
    reconciliation: {
      duplicateSegmentIds: reconciliation.duplicateSegmentIds,
      mismatchedLearners: reconciliation.mismatchedLearners,
      platformsReconciled: reconciliation.segmentsByPlatform.length,
      platformsWithOtherSegmentCounts: reconciliation.segmentsByPlatform.filter(
        (p) => p.emitted !== p.stored,
      ),
    },
    loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/** The aggregator process: the real aggregator with production settings, reporting its CPU and peak RSS. */
async function worker(): Promise<void> {
  const { prefix, database, groupId } = JSON.parse(process.env.HOURGLASS_BENCH_SETUP as string) as {
    prefix: string;
    database: string;
    groupId: string;
  };
  const log = createKafkaLog({ brokers, clientId: 'bench-aggregator' });
  const warehouse = createClickHouseWarehouse({
    ...clickHouseOptionsFromUrl(`${clickhouseUrl.replace(/\/$/, '')}/${database}`),
    timeZone: TIME_ZONE,
  });
  const registry = new Registry();
  let firstBatchSent = false;
  const aggregator = createAggregator({
    log,
    warehouse,
    topics: topicNames(prefix),
    groupId,
    registry,
    logger: { info() {}, warn: console.warn, error: console.error },
    maxGroupRows: GROUP_ROWS,
    onBatchReceived: () => {
      if (firstBatchSent) return;
      firstBatchSent = true;
      process.send?.({ firstBatchAt: Date.now() });
    },
  });
  let peakRss = process.memoryUsage().rss;
  let atPeak: Record<string, number> = {};
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss <= peakRss) return;
    peakRss = m.rss;
    // Where the peak sits: V8's young generation (committed vs used), its old generation, and buffers.
    const spaces = new Map(getHeapSpaceStatistics().map((sp) => [sp.space_name, sp]));
    atPeak = {
      rss: mb(m.rss),
      heapUsed: mb(m.heapUsed),
      newSpaceCommitted: mb(spaces.get('new_space')?.space_size ?? 0),
      newSpaceUsed: mb(spaces.get('new_space')?.space_used_size ?? 0),
      oldSpaceUsed: mb(spaces.get('old_space')?.space_used_size ?? 0),
      // Committed by V8 in all: what the spaces hold on to, used or not.
      heapCommitted: mb(m.heapTotal),
      largeObjectSpaceUsed: mb(spaces.get('large_object_space')?.space_used_size ?? 0),
      arrayBuffers: mb(m.arrayBuffers),
      external: mb(m.external),
    };
  }, 100);
  // Listen for 'stop' before starting: with --processes N, a process still joining the group when the
  // others have stored every row gets 'stop' before start() resolves, and would never see it (the run
  // then hung; seen with `pnpm bench:aggregator 2000 --runs 1 --processes 2`).
  const stopped = new Promise((resolve) => process.once('message', resolve));
  await profiled(process.env.HOURGLASS_BENCH_PROFILE, async () => {
    await aggregator.start();
    await stopped;
  });
  clearInterval(sampler);
  const cpu = process.cpuUsage();
  await aggregator.stop();
  await warehouse.close();
  await log.close();
  const inserts = await registry.getSingleMetric('hourglass_aggregator_insert_seconds')?.get();
  const series = (name: string) =>
    (inserts?.values as { metricName?: string; value: number }[] | undefined)?.find(
      (v) => v.metricName === name,
    )?.value ?? 0;
  const writes = {
    count: series('hourglass_aggregator_insert_seconds_count'),
    seconds: series('hourglass_aggregator_insert_seconds_sum'),
  };
  process.send?.({ final: { cpuMicros: cpu.user + cpu.system, peakRss, atPeak, writes } });
  process.exit(0);
}

if (cluster.isWorker) await worker();
else await main();
