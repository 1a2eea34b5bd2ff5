import { type ClickHouseClient, createClient } from '@clickhouse/client';
import { afterAll, describe, expect, it } from 'vitest';
import { requireEnv, uniqueName } from './env';

// @clickhouse/client 1.x against ClickHouse 18.16 (Debian bookworm). What works there:
//  - createClient({ url }) with default options; request/response compression both work, and are left off here;
//  - no `query_params` (18.16 answers "Unknown setting param_x"), no `role`, no newer settings such as
//    `async_insert` (each is sent as a URL setting and rejected with "Unknown setting");
//  - formats JSONEachRow / JSON / JSONCompact / CSV / TabSeparated exist, JSONCompactEachRow does not;
//  - UInt64/Int64 come back as JSON strings (output_format_json_quote_64bit_integers defaults to 1 there;
//    current servers default to 0 and answer numbers, so the warehouse takes both);
//  - DateTime input must be 'YYYY-MM-DD hh:mm:ss' or unix seconds (ISO 'T...Z' only with
//    date_time_input_format: 'best_effort').
describe('smoke: clickhouse', () => {
  const table = `default.${uniqueName('smoke_ch').replaceAll('-', '_')}`;
  let client: ClickHouseClient | undefined;

  // Setup runs inside the test (not in beforeAll) so a missing environment fails the test instead of skipping it.
  async function setUp(): Promise<ClickHouseClient> {
    client = createClient({
      url: requireEnv('CLICKHOUSE_URL'),
      username: 'default',
      password: '',
      request_timeout: 10_000,
      compression: { request: false, response: false },
    });
    const ping = await client.ping();
    if (!ping.success) throw ping.error;
    return client;
  }

  afterAll(async () => {
    await client?.command({ query: `DROP TABLE IF EXISTS ${table}` }).catch(() => {});
    await client?.close();
  });

  it('creates a MergeTree table, inserts JSONEachRow, reads it back and drops it', async () => {
    const client = await setUp();
    const version = await (
      await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' })
    ).json<{
      v: string;
    }>();
    expect(version[0]?.v).toMatch(/^\d+\.\d+/);

    await client.command({
      query: `CREATE TABLE ${table} (day Date, at DateTime, learner String, ms UInt32, n UInt64)
              ENGINE = MergeTree() PARTITION BY toYYYYMM(day) ORDER BY (day, learner)`,
    });
    const rows = Array.from({ length: 1_000 }, (_, i) => ({
      day: '2026-03-01',
      at: `2026-03-01 00:00:${String(i % 60).padStart(2, '0')}`,
      learner: `learner-${i % 10}`,
      ms: i,
      n: i,
    }));
    await client.insert({ table, values: rows, format: 'JSONEachRow' });

    const totals = await (
      await client.query({
        query: `SELECT learner, count() AS events, sum(ms) AS total FROM ${table} GROUP BY learner ORDER BY learner`,
        format: 'JSONEachRow',
      })
    ).json<{ learner: string; events: string; total: string }>();
    expect(totals).toHaveLength(10);
    const [l0] = totals;
    expect({ ...l0, events: String(l0?.events), total: String(l0?.total) }).toEqual({
      learner: 'learner-0',
      events: '100',
      total: String(rows.filter((_, i) => i % 10 === 0).reduce((s, r) => s + r.ms, 0)),
    });

    const first = await (
      await client.query({ query: `SELECT * FROM ${table} ORDER BY n LIMIT 1`, format: 'JSONEachRow' })
    ).json<{ n: unknown }>();
    expect(first.map((r) => ({ ...r, n: String(r.n) }))).toEqual([
      { day: '2026-03-01', at: '2026-03-01 00:00:00', learner: 'learner-0', ms: 0, n: '0' },
    ]);

    await client.command({ query: `DROP TABLE ${table}` });
    const exists = await (
      await client.query({ query: `EXISTS TABLE ${table}`, format: 'JSONEachRow' })
    ).json<{
      result: number;
    }>();
    expect(exists).toEqual([{ result: 0 }]);
  });
});
