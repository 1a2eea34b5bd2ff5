/**
 * Query API benchmark on a real ClickHouse: the SPEC §5 hot queries timed directly on the warehouse
 * and through the API over real HTTP (runtime's server, auth, validation, rendering, JSON), so the
 * difference is the HTTP overhead. Writes bench/results/api.json (or BENCH_RESULTS).
 *
 *   CLICKHOUSE_URL=http://127.0.0.1:8123 pnpm exec tsx services/api/bench/api.bench.ts
 *
 * Env: BENCH_DATABASE (reuse a database loaded by packages/warehouse/bench with BENCH_KEEP=1; it is
 * not dropped), BENCH_SEGMENTS (rows to generate into a fresh database otherwise, default 300_000),
 * BENCH_RUNS (repetitions per query, default 30).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { topicNames } from '@hourglass/events';
import { createEmbeddedLog } from '@hourglass/log';
import {
  createHttpServer,
  createLogger,
  createMetricsRegistry,
  DEMO_TOKENS,
  developmentConfig,
} from '@hourglass/runtime';
import { clickHouseOptionsFromUrl, createClickHouseWarehouse, type Warehouse } from '@hourglass/warehouse';
import { machineDescription, percentile, resultsFile } from '../../../bench/machine';
import { createApi } from '../src/api';
import { generateTraffic } from '../src/testing/traffic';

if (!process.env.CLICKHOUSE_URL) {
  console.error('CLICKHOUSE_URL is not set — start the services: bash deploy/local/services.sh up');
  process.exit(2);
}
const ch = clickHouseOptionsFromUrl(process.env.CLICKHOUSE_URL);
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const SEGMENTS = Number(process.env.BENCH_SEGMENTS ?? 300_000);
const reuse = process.env.BENCH_DATABASE;
const database = reuse ?? `hg_api_bench_${randomBytes(4).toString('hex')}`;
const RESULTS = resultsFile('api.json');
const FIRST_DAY = '2026-03-01';
const RANGE_30D = 'from=2026-03-01&to=2026-03-30';

async function command(sql: string): Promise<void> {
  const headers: Record<string, string> = {};
  if (ch.username !== undefined) headers['x-clickhouse-user'] = ch.username;
  if (ch.password !== undefined) headers['x-clickhouse-key'] = ch.password;
  const res = await fetch(ch.url, { method: 'POST', body: sql, headers });
  if (!res.ok) throw new Error(`${sql}: ${res.status} ${await res.text()}`);
}

async function load(w: Warehouse): Promise<number> {
  let rows = 0;
  for (let seed = 1; rows < SEGMENTS; seed++) {
    const t = generateTraffic(seed, Date.parse(`${FIRST_DAY}T00:00:00Z`), 1000);
    await w.insertSegments(t.segments);
    await w.upsertFlags(t.flags);
    await w.upsertSessions(t.sessions);
    rows += t.segments.length;
    process.stdout.write(`\rloaded ${rows} segments`);
  }
  process.stdout.write('\n');
  return rows;
}

function summary(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const r = (v: number) => Math.round(v * 10) / 10;
  return {
    runs: s.length,
    p50: r(percentile(s, 50)),
    p95: r(percentile(s, 95)),
    max: r(s.at(-1) ?? Number.NaN),
  };
}

async function main() {
  const warehouse = createClickHouseWarehouse({ ...ch, database, timeZone: 'Asia/Shanghai' });
  await warehouse.migrate();
  const loaded = reuse === undefined ? await load(warehouse) : null;
  const counts = await warehouse.counts();
  console.log(`database ${database}: ${counts.segments} segments, ${counts.flags} flags`);

  const logger = createLogger({ level: 'warn', name: 'api-bench' });
  const registry = createMetricsRegistry({ defaultMetrics: false });
  const log = createEmbeddedLog();
  const topics = topicNames('bench.');
  await log.admin().ensureTopics([{ name: topics.decisions, partitions: 1 }]);
  const app = createHttpServer({ logger, registry, readiness: async () => ({ ready: true, checks: {} }) });
  createApi({
    config: developmentConfig(),
    warehouse,
    decisions: log.producer(),
    topics,
    registry,
    logger,
    pipelineStatus: async () => ({ caughtUp: true, stages: [] }),
  }).register(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const get = async (path: string, token: string) => {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };

  const someLearner = await warehouse.queryHours({
    fromDay: FIRST_DAY,
    toDay: FIRST_DAY,
    groupBy: ['learner'],
    filters: {},
  });
  const learnerId = someLearner[0]?.learnerId ?? 'nobody';
  const stats = DEMO_TOKENS.statistician;
  const cases: Record<string, { direct: () => Promise<unknown>; http: () => Promise<unknown> }> = {
    hoursDayPlatform30d: {
      direct: () =>
        warehouse.queryHours({
          fromDay: FIRST_DAY,
          toDay: '2026-03-30',
          groupBy: ['day', 'platform'],
          filters: {},
        }),
      http: () => get(`/v1/stats/hours?${RANGE_30D}&groupBy=day,platform`, stats),
    },
    hoursRegionOccupation30d: {
      direct: () =>
        warehouse.queryHours({
          fromDay: FIRST_DAY,
          toDay: '2026-03-30',
          groupBy: ['region', 'occupation'],
          filters: {},
        }),
      http: () => get(`/v1/stats/hours?${RANGE_30D}&groupBy=region,occupation`, stats),
    },
    hoursTotal30d: {
      direct: () =>
        warehouse.queryHours({ fromDay: FIRST_DAY, toDay: '2026-03-30', groupBy: [], filters: {} }),
      http: () => get(`/v1/stats/hours?${RANGE_30D}`, stats),
    },
    learnerTotals: {
      direct: () => warehouse.learnerTotals(learnerId),
      http: () => get(`/v1/stats/learners/${learnerId}`, stats),
    },
    listFlagsOpen50: {
      direct: () => warehouse.listFlags({ status: 'open', scope: '*', limit: 50 }),
      http: () => get('/v1/flags?status=open&limit=50', DEMO_TOKENS.supervisor),
    },
    programme: {
      direct: () => warehouse.programme(),
      http: () => get('/v1/stats/programme', stats),
    },
  };

  const queriesMs: Record<string, unknown> = {};
  for (const [name, c] of Object.entries(cases)) {
    await c.direct();
    await c.http(); // warm-up: caches, JIT, sockets
    const direct: number[] = [];
    const http: number[] = [];
    // Interleaved, so both see the same server conditions.
    for (let i = 0; i < RUNS; i++) {
      let t = performance.now();
      await c.direct();
      direct.push(performance.now() - t);
      t = performance.now();
      await c.http();
      http.push(performance.now() - t);
    }
    const d = summary(direct);
    const h = summary(http);
    queriesMs[name] = { direct: d, http: h, overheadP50: Math.round((h.p50 - d.p50) * 10) / 10 };
    console.log(`${name.padEnd(26)} direct p50 ${d.p50} p95 ${d.p95} | http p50 ${h.p50} p95 ${h.p95} ms`);
  }

  const result = {
    benchmark: 'api',
    machine: { ...machineDescription(), note: 'ClickHouse and the bench share these cores' },
    database: reuse === undefined ? 'generated' : 'reused (BENCH_DATABASE)',
    loadedSegments: loaded,
    counts,
    queriesMs,
    targets: { hoursP95Ms: 500, learnerP95Ms: 50 },
  };
  writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${RESULTS}`);
  await app.close();
  await log.close();
  await warehouse.close();
  if (reuse === undefined) await command(`DROP DATABASE IF EXISTS ${database}`);
}

await main();
