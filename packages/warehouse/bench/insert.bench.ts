/**
 * Insert-only microbenchmark for iterating on insertSegments: the same data and batches as the
 * warehouse bench (BENCH_SHAPE, day by day, 50k-row batches, 2 in flight), no queries. Reports wall
 * rows/s and CPU µs per row of this process and of the local clickhouse-server, measured only while
 * inserts run (the generator is excluded), and what a pure client pass (validation, dedupe, body;
 * no server) costs on the same batches. CPU per row is the figure to compare on a shared machine.
 *
 *   CLICKHOUSE_URL=http://127.0.0.1:8123 node --max-semi-space-size=64 --import tsx packages/warehouse/bench/insert.bench.ts
 *
 * Env: MB_SEGMENTS (default 2M), MB_JSON=0 (the generator's objects instead of parsed JSON), MB_BATCH (50k), MB_CONCURRENCY (2), MB_SETTLE_S (seconds to wait
 * after the load while counting the server's merge CPU, default 0).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { Segment } from '@hourglass/events';
import { BENCH_SHAPE, createGenerator } from '../../../bench/segments-generator';
import { segmentOrder } from '../src/clickhouse/segment-order';
import { createFastDayOf, segmentsRowBinary } from '../src/clickhouse/segment-rows';
import { clickHouseOptionsFromUrl, createClickHouseWarehouse, sqlString } from '../src/index';
import { checkSegments } from '../src/validate';
import { clientCpuMs, serverCpuMs as localServerCpuMs } from './cpu';

/** 0 when the server is not local: the per-row server figures then read 0. */
const serverCpuMs = (): number => localServerCpuMs() ?? 0;

const { url, username, password } = clickHouseOptionsFromUrl(
  process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123',
);
const creds = {
  ...(username === undefined ? {} : { username }),
  ...(password === undefined ? {} : { password }),
};
const SEGMENTS = Number(process.env.MB_SEGMENTS ?? 2_000_000);
const BATCH = Number(process.env.MB_BATCH ?? 50_000);
const CONCURRENCY = Number(process.env.MB_CONCURRENCY ?? 2);
const SETTLE_S = Number(process.env.MB_SETTLE_S ?? 0);

const usPerRow = (ms: number, rows: number) => Math.round((ms * 1000 * 100) / rows) / 100;

async function main() {
  const database = `hg_mb_${randomBytes(4).toString('hex')}`;
  const admin = createClient({
    url,
    ...creds,
    request_timeout: 300_000,
    log: { level: ClickHouseLogLevel.OFF },
  });
  const w = createClickHouseWarehouse({ url, ...creds, database, timeZone: BENCH_SHAPE.timeZone });
  await w.migrate();
  const gen = createGenerator(BENCH_SHAPE);
  const dayOf = createFastDayOf(BENCH_SHAPE.timeZone);

  let rows = 0;
  let wallMs = 0;
  let clientMs = 0;
  let serverMs = 0;
  // Pure client work on the same batches, timed separately (no server involved).
  let checkMs = 0;
  let bodyMs = 0;
  let orderMs = 0;
  for (let d = 0; rows < SEGMENTS; d++) {
    // Each segment parsed from its own JSON, as the aggregator gets them from Kafka (flat strings,
    // no two rows sharing a string object); MB_JSON=0 keeps the generator's objects.
    const segments = gen
      .day(d)
      .segments.map((s) => (process.env.MB_JSON === '0' ? s : (JSON.parse(JSON.stringify(s)) as Segment)));
    const batches: Segment[][] = [];
    for (let i = 0; i < segments.length && rows < SEGMENTS; i += BATCH) {
      const b = segments.slice(i, Math.min(i + BATCH, i + SEGMENTS - rows));
      batches.push(b);
      rows += b.length;
    }
    for (const b of batches) {
      let t = performance.now();
      checkSegments(b);
      checkMs += performance.now() - t;
      const days = b.map((s) => dayOf(s.startMs).number);
      t = performance.now();
      const order = segmentOrder(b, days);
      orderMs += performance.now() - t;
      t = performance.now();
      segmentsRowBinary(b, days, order);
      bodyMs += performance.now() - t;
    }
    const t0 = performance.now();
    const c0 = clientCpuMs();
    const s0 = serverCpuMs();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < batches.length) await w.insertSegments(batches[next++] as Segment[]);
      }),
    );
    wallMs += performance.now() - t0;
    clientMs += clientCpuMs() - c0;
    serverMs += serverCpuMs() - s0;
  }
  let settleServerMs = 0;
  if (SETTLE_S > 0) {
    const s0 = serverCpuMs();
    await new Promise((r) => setTimeout(r, SETTLE_S * 1000));
    settleServerMs = serverCpuMs() - s0;
  }
  const parts = await (
    await admin.query({
      query: `SELECT table, count() AS parts, sum(rows) AS rows FROM system.parts
              WHERE database = ${sqlString(database)} AND active GROUP BY table ORDER BY table`,
      format: 'JSONEachRow',
    })
  ).json();
  const result = {
    rows,
    batch: BATCH,
    concurrency: CONCURRENCY,
    rowsPerSecond: Math.round(rows / (wallMs / 1000)),
    clientUsPerRow: usPerRow(clientMs, rows),
    serverUsPerRow: usPerRow(serverMs, rows),
    totalUsPerRow: usPerRow(clientMs + serverMs, rows),
    settleServerUsPerRow: usPerRow(settleServerMs, rows),
    isolatedClient: {
      checkUsPerRow: usPerRow(checkMs, rows),
      orderUsPerRow: usPerRow(orderMs, rows),
      bodyUsPerRow: usPerRow(bodyMs, rows),
    },
    parts,
  };
  console.log(JSON.stringify(result));
  await w.close();
  await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  await admin.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
