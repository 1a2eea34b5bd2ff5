/**
 * Warehouse benchmark on a real ClickHouse: insert ≥ 10M realistic segments in 50k-row batches
 * through the adapter (validation, duplicate check, one RowBinary insert each), then time the hot
 * queries. Writes bench/results/warehouse.json.
 *
 *   CLICKHOUSE_URL=http://127.0.0.1:8123 pnpm exec tsx packages/warehouse/bench/warehouse.bench.ts
 *
 * Segments are inserted as parsed from JSON, one by one, as the aggregator receives them.
 *
 * Env: BENCH_SEGMENTS (default 10_000_000), BENCH_RUNS (query repetitions, default 40),
 * BENCH_CONCURRENCY (insert batches in flight, default 2), BENCH_BATCH (rows per insertSegments call, default 50k),
 * BENCH_DATABASE (reuse a loaded database and skip inserting), BENCH_KEEP=1 (do not drop it),
 * BENCH_RESULTS (another results file, e.g. for a run on the 26.9 of deploy/local/clickhouse-current.sh).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { Segment } from '@hourglass/events';
import { resultsFile } from '../../../bench/machine';
import { BENCH_SHAPE, createGenerator, type Shape } from '../../../bench/segments-generator';
import { createFastDayOf, SEGMENT_COLUMNS_WRITTEN, segmentsRowBinary } from '../src/clickhouse/segment-rows';
import {
  clickHouseOptionsFromUrl,
  createClickHouseWarehouse,
  type HoursQuery,
  isWarehouseError,
  sqlString,
  type Warehouse,
} from '../src/index';
import { clientCpuMs, serverCpuMs } from './cpu';

if (!process.env.CLICKHOUSE_URL) {
  console.error('CLICKHOUSE_URL is not set — start the services: bash deploy/local/services.sh up');
  process.exit(2);
}
// The server and credentials come from the URL; the bench always uses a database of its own.
const { url, username, password } = clickHouseOptionsFromUrl(process.env.CLICKHOUSE_URL);
const creds = {
  ...(username === undefined ? {} : { username }),
  ...(password === undefined ? {} : { password }),
};
// 50k rows: what the aggregator writes at once (AGGREGATOR_BATCH_ROWS), grouping the partitions it handles together.
const BATCH = Number(process.env.BENCH_BATCH ?? 50_000);
/** Batches in flight at once, like an aggregator writing several partitions (disjoint ids). */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 2);
const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const shape: Shape = { ...BENCH_SHAPE, segments: Number(process.env.BENCH_SEGMENTS ?? BENCH_SHAPE.segments) };
const RESULTS = resultsFile('warehouse.json');

let peakRss = 0;
const sampleRss = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const mb = (bytes: number) => Math.round(bytes / 1_048_576);

function percentiles(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
  const r = (v: number) => Math.round(v * 10) / 10;
  return { runs: s.length, p50: r(at(50)), p95: r(at(95)), max: r(s[s.length - 1] ?? Number.NaN) };
}

let interruptions = 0;

/** Other test suites on this machine restart ClickHouse now and then: wait and measure again. */
async function resilient<T>(f: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await f();
    } catch (err) {
      if (!isWarehouseError(err, 'unavailable') || attempt >= 60) throw err;
      interruptions++;
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
}

async function timeIt(runs: number, f: (i: number) => Promise<unknown>) {
  for (let i = 0; i < 3; i++) await resilient(() => f(i)); // warm-up: caches, JIT, connections
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    for (;;) {
      const t = performance.now();
      try {
        await f(i);
        samples.push(performance.now() - t);
        break;
      } catch (err) {
        // A sample cut by a server restart is dropped, not counted.
        await resilient(() => Promise.reject(err));
      }
    }
  }
  return percentiles(samples);
}

/**
 * The server's own ceiling under the same conditions: the same 10k-row RowBinary batches inserted
 * straight into a copy of the table (no duplicate check, no views), one and two at a time.
 */
async function baseline(admin: ClickHouseClient, database: string, gen: ReturnType<typeof createGenerator>) {
  const table = `${database}.raw_baseline`;
  await admin.command({ query: `CREATE TABLE ${table} AS ${database}.segments` });
  const segments = gen.day(0).segments;
  const dayOf = createFastDayOf(shape.timeZone);
  const bodies: Buffer[] = [];
  for (let i = 0; i + BATCH <= segments.length && bodies.length < 30; i += BATCH) {
    bodies.push(
      segmentsRowBinary(
        segments.slice(i, i + BATCH),
        segments.slice(i, i + BATCH).map((s) => dayOf(s.startMs).number),
      ),
    );
  }
  const send = async (body: Buffer) => {
    const r = await admin.exec({
      query: `INSERT INTO ${table} (${SEGMENT_COLUMNS_WRITTEN}) FORMAT RowBinary`,
      values: Readable.from([body]),
    });
    for await (const _ of r.stream) {
      // drain
    }
  };
  const rate = async (lanes: number) => {
    const t = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (next < bodies.length) await send(bodies[next++] as Buffer);
      }),
    );
    return Math.round((bodies.length * BATCH) / ((performance.now() - t) / 1000));
  };
  const result = {
    rows: bodies.length * BATCH,
    sequentialRowsPerSecond: await rate(1),
    twoLanesRowsPerSecond: await rate(2),
  };
  await admin.command({ query: `DROP TABLE ${table}` });
  return result;
}

/** Server-wide counters (all databases) from system.events; merges run in the background. */
async function serverEvents(admin: ClickHouseClient): Promise<Record<string, number>> {
  const rows = await (
    await admin.query({
      query: `SELECT event, value FROM system.events
              WHERE event IN ('MergedRows', 'MergesTimeMilliseconds', 'InsertedRows', 'MergeTreeDataWriterBlocks')`,
      format: 'JSONEachRow',
    })
  ).json<{ event: string; value: string }>();
  return Object.fromEntries(rows.map((r) => [r.event, Number(r.value)]));
}

/** `localServer`: the server is services.sh's (Debian 18.16), whose CPU serverCpuMs reads from its pid file. */
async function load(
  w: Warehouse,
  gen: ReturnType<typeof createGenerator>,
  admin: ClickHouseClient,
  localServer: boolean,
) {
  const serverCpuNow = () => (localServer ? serverCpuMs() : null);
  const eventsBefore = await serverEvents(admin);
  let rows = 0;
  let withheld = 0;
  let insertMs = 0;
  let batches = 0;
  const allFlags = [];
  let firstBatch: Segment[] = [];
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  // insertMs = wall time while at least one insertSegments call was running; CPU in the same spans.
  let busySince = 0;
  let clientCpu = 0;
  let serverCpu = 0;
  let clientCpuSince = 0;
  let serverCpuSince = 0;
  const submit = async (batch: Segment[]) => {
    while (inFlight.size >= CONCURRENCY) await Promise.race(inFlight);
    if (inFlight.size === 0) {
      busySince = performance.now();
      clientCpuSince = clientCpuMs();
      serverCpuSince = serverCpuNow() ?? 0;
    }
    const p: Promise<void> = resilient(() => w.insertSegments(batch)).finally(() => {
      inFlight.delete(p);
      if (inFlight.size === 0) {
        insertMs += performance.now() - busySince;
        clientCpu += clientCpuMs() - clientCpuSince;
        serverCpu += (serverCpuNow() ?? 0) - serverCpuSince;
      }
    });
    inFlight.add(p);
  };
  for (let d = 0; d < shape.days && rows < shape.segments; d++) {
    const day = gen.day(d);
    const { sessions, flags } = day;
    // Each segment as the aggregator has it: parsed from its own Kafka message's JSON (flat strings,
    // none shared between rows). The generator's ids are concatenated strings, which cost the client
    // ~1.3 µs per row more to read than any segment in production; parsing is not timed.
    const segments = day.segments.map((s) => JSON.parse(JSON.stringify(s)) as Segment);
    for (let i = 0; i < segments.length && rows < shape.segments; i += BATCH) {
      const batch = segments.slice(i, Math.min(i + BATCH, i + shape.segments - rows));
      await submit(batch);
      if (firstBatch.length === 0) firstBatch = batch;
      rows += batch.length;
      withheld += batch.filter((s) => s.status === 'withheld').length;
      batches++;
      sampleRss();
    }
    await Promise.all(inFlight);
    for (let i = 0; i < sessions.length; i += BATCH)
      await resilient(() => w.upsertSessions(sessions.slice(i, i + BATCH)));
    for (let i = 0; i < flags.length; i += BATCH)
      await resilient(() => w.upsertFlags(flags.slice(i, i + BATCH)));
    allFlags.push(...flags);
    const secs = (performance.now() - started) / 1000;
    console.log(
      `day ${d + 1}/${shape.days}: ${rows.toLocaleString()} segments, ${Math.round(rows / (insertMs / 1000)).toLocaleString()} rows/s in insertSegments, ${secs.toFixed(0)} s elapsed, rss ${mb(process.memoryUsage().rss)} MB`,
    );
  }
  const decisions = gen.decisions(allFlags);
  for (let i = 0; i < decisions.length; i += BATCH)
    await resilient(() => w.insertDecisions(decisions.slice(i, i + BATCH)));
  const certificates = gen.certificates();
  await resilient(() => w.insertCertificates(certificates));
  // Redelivery: the first batch again must change nothing (and costs one check + zero rows).
  const t = performance.now();
  await resilient(() => w.insertSegments(firstBatch));
  const redeliveredBatchMs = performance.now() - t;
  const eventsAfter = await serverEvents(admin);
  const delta = (e: string) => (eventsAfter[e] ?? 0) - (eventsBefore[e] ?? 0);
  return {
    segments: rows,
    withheldShare: Math.round((withheld / rows) * 1000) / 1000,
    batches,
    batchRows: BATCH,
    concurrency: CONCURRENCY,
    insertSegmentsSeconds: Math.round(insertMs) / 1000,
    rowsPerSecond: Math.round(rows / (insertMs / 1000)),
    input: 'segments parsed from JSON one by one, as the aggregator gets them (since 2026-11-29 09:40)',
    // CPU per 10k rows while inserting: this process, and the local server (merges included; other
    // suites' queries on the same server count too). null server figure: the server is not local.
    clientCpuMsPer10kRows: Math.round((clientCpu / rows) * 10_000 * 10) / 10,
    serverCpuMsPer10kRows: serverCpuNow() === null ? null : Math.round((serverCpu / rows) * 10_000 * 10) / 10,
    wallSecondsIncludingGeneration: Math.round(performance.now() - started) / 1000,
    // Background merges during the load (server-wide: other databases' merges count too).
    serverMerges: {
      mergedRows: delta('MergedRows'),
      mergeMsPer10kRows: Math.round((delta('MergesTimeMilliseconds') / rows) * 10_000 * 10) / 10,
      partsWritten: delta('MergeTreeDataWriterBlocks'),
    },
    flags: allFlags.length,
    decisions: decisions.length,
    certificates: certificates.length,
    redeliveredBatchMs: Math.round(redeliveredBatchMs),
    loadAverageAfterInsert: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

async function main() {
  const keep = process.env.BENCH_KEEP === '1' || process.env.BENCH_DATABASE !== undefined;
  const database = process.env.BENCH_DATABASE ?? `hg_bench_${randomBytes(4).toString('hex')}`;
  // Dropping a 10M-row database can take longer than the default 30 s on a busy machine.
  const admin = createClient({
    url,
    ...creds,
    request_timeout: 300_000,
    keep_alive: { idle_socket_ttl: 2_000 },
    log: { level: ClickHouseLogLevel.OFF },
  });
  const version = await (await admin.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' })).json<{
    v: string;
  }>();
  const w = createClickHouseWarehouse({ url, ...creds, database, timeZone: shape.timeZone });
  await resilient(() => w.migrate());
  const gen = createGenerator(shape);
  console.log(`database ${database}, ClickHouse ${version[0]?.v}`);
  const previous = (() => {
    try {
      return JSON.parse(readFileSync(RESULTS, 'utf8')) as { database?: string; insert?: unknown };
    } catch {
      return {};
    }
  })();
  // Re-timing the queries of an already loaded database keeps the insert figures measured then.
  const insert =
    process.env.BENCH_DATABASE === undefined
      ? await load(w, gen, admin, version[0]?.v.startsWith('18.') ?? false)
      : previous.database === database
        ? previous.insert
        : null;
  if (insert) console.log('insert', insert);

  const rawInsertBaseline = await resilient(() => baseline(admin, database, createGenerator(shape)));
  console.log('raw insert baseline', rawInsertBaseline);
  const counts = await resilient(() => w.counts());
  const parts = await (
    await admin.query({
      query: `SELECT table, count() AS parts, sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts
              WHERE database = ${sqlString(database)} AND active GROUP BY table ORDER BY table`,
      format: 'JSONEachRow',
    })
  ).json();
  console.log('counts', counts, parts);

  // Other suites share this machine: record how busy it was around the timed queries.
  const loadBeforeQueries = loadavg().map((x) => Math.round(x * 100) / 100);
  const month = { fromDay: '2026-03-02', toDay: '2026-03-31', filters: {} } satisfies Omit<
    HoursQuery,
    'groupBy'
  >;
  const queries = {
    hoursDayPlatform30d: await timeIt(RUNS, () => w.queryHours({ ...month, groupBy: ['day', 'platform'] })),
    hoursRegionOccupation30d: await timeIt(RUNS, () =>
      w.queryHours({ ...month, groupBy: ['region', 'occupation'] }),
    ),
    hoursTotal30d: await timeIt(RUNS, () => w.queryHours({ ...month, groupBy: [] })),
    learnerTotals: await timeIt(RUNS, (i) =>
      w.learnerTotals((gen.learners[(i * 7919) % gen.learners.length] as { id: string }).id),
    ),
    hoursOneLearner30dByDay: await timeIt(RUNS, (i) =>
      w.queryHours({
        ...month,
        groupBy: ['day'],
        filters: { learnerId: (gen.learners[(i * 104729) % gen.learners.length] as { id: string }).id },
      }),
    ),
    listFlagsOpen50: await timeIt(Math.min(RUNS, 10), () =>
      w.listFlags({ scope: '*', status: 'open', limit: 50 }),
    ),
    programme: await timeIt(Math.min(RUNS, 5), () => w.programme()),
  };
  const loadAfterQueries = loadavg().map((x) => Math.round(x * 100) / 100);
  console.log(queries, { loadBeforeQueries, loadAfterQueries });
  sampleRss();
  const sample = await resilient(() => w.queryHours({ ...month, groupBy: [] }));
  const reconcileStart = performance.now();
  const reconcile = await resilient(() => w.reconcile());
  const reconcileMs = Math.round(performance.now() - reconcileStart);

  const cpuModel =
    /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model;
  const result = {
    benchmark: 'warehouse',
    date: new Date().toISOString(),
    database,
    machine: {
      nproc: cpus().length,
      memoryMB: mb(totalmem()),
      cpuModel,
      clickhouseVersion: version[0]?.v,
      node: process.version,
      note: 'ClickHouse server and the bench client share these cores (other services may be running)',
    },
    shape,
    insert,
    rawInsertBaseline,
    counts,
    parts,
    queriesMs: queries,
    loadAverage1m5m15m: { beforeQueries: loadBeforeQueries, afterQueries: loadAfterQueries },
    targets: { insertRowsPerSecond: 200_000, hoursP95Ms: 500, learnerP95Ms: 50 },
    total30d: sample[0],
    reconcile: { ...reconcile, mismatchedLearners: reconcile.mismatchedLearners.length, ms: reconcileMs },
    serverRestartsWaitedOut: interruptions,
    clientRssMB: mb(process.memoryUsage().rss),
    clientPeakRssMB: mb(peakRss),
  };
  writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`client rss ${result.clientRssMB} MB (peak ${result.clientPeakRssMB} MB); wrote ${RESULTS}`);
  await w.close();
  if (!keep) await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  await admin.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
