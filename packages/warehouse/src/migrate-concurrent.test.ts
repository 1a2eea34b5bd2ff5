import { afterAll, describe, expect, it } from 'vitest';
import { createClickHouseWarehouse } from './clickhouse/warehouse';
import { createEmbeddedWarehouse } from './embedded/warehouse';
import { isWarehouseError } from './errors';
import { loadBase, TZ } from './testing/fixtures';
import { holdingProxy } from './testing/holding-proxy';
import { testDatabases } from './testing/test-databases';

/**
 * Two processes running migrate() at once (the api and the aggregator both migrate at start-up; found in
 * review). A small HTTP proxy in front of ClickHouse holds chosen requests, so the interleaving is fixed.
 */
const raw = process.env.CLICKHOUSE_URL;

describe.runIf(raw)('migrate() run by two processes at once', () => {
  const { url, creds, database } = testDatabases(raw as string, 'hg_migr');
  const proxies: ReturnType<typeof holdingProxy>[] = [];
  const proxy = async () => {
    const p = holdingProxy(new URL(url));
    proxies.push(p);
    return { p, via: await p.start() };
  };
  afterAll(async () => {
    for (const p of proxies) await p.close();
  });

  it('both succeed when both add the column of 0006 at the same moment', async () => {
    const { p, via } = await proxy();
    const db = database('col');
    p.gate(/FROM system\.columns/, 2, true); // both check before either adds it
    const a = createClickHouseWarehouse({ url: via, ...creds, database: db, timeZone: TZ });
    const b = createClickHouseWarehouse({ url: via, ...creds, database: db, timeZone: TZ });
    const results = await Promise.allSettled([a.migrate(), b.migrate()]);
    await a.close();
    await b.close();
    expect(
      results.map((r) => (r.status === 'fulfilled' ? 'ok' : String((r.reason as Error).message))),
    ).toEqual(['ok', 'ok']);
  });

  it('of two processes opening a new database in different zones, at most one opens it, and later opens are refused', async () => {
    const { p, via } = await proxy();
    const db = database('tz');
    p.gate(/SELECT DISTINCT value FROM \S+\.time_zone/, 2, true); // both find no zone before either claims one
    const a = createClickHouseWarehouse({ url: via, ...creds, database: db, timeZone: 'Asia/Shanghai' });
    const b = createClickHouseWarehouse({ url: via, ...creds, database: db, timeZone: 'Europe/Berlin' });
    const results = await Promise.allSettled([a.migrate(), b.migrate()]);
    await a.close();
    await b.close();
    const refused = results.filter((r) => r.status === 'rejected' && isWarehouseError(r.reason, 'invalid'));
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused.length + results.filter((r) => r.status === 'fulfilled').length).toBe(2);
    // Both claims are recorded: no later process opens the database in either zone until one is deleted.
    for (const timeZone of ['Asia/Shanghai', 'Europe/Berlin']) {
      const w = createClickHouseWarehouse({ url, ...creds, database: db, timeZone });
      await expect(w.migrate()).rejects.toThrow(
        /conflicting time zone claims \(Asia\/Shanghai, Europe\/Berlin\)/,
      );
      await w.close();
    }
  });

  it('rows written by a process that finished migrating count once while another runs 0001 late', async () => {
    const { p, via } = await proxy();
    const db = database('view');
    // B has read schema_migrations (empty) and is held before 0001's first statement, then before 0005's DROP.
    const bAt0001 = p.gate(/CREATE TABLE IF NOT EXISTS \S+\.meta/);
    const bAtDrop = p.gate(/DROP TABLE IF EXISTS \S+\.by_learner_mv/);
    const b = createClickHouseWarehouse({ url: via, ...creds, database: db, timeZone: TZ });
    const bDone = b.migrate();
    await bAt0001.reached;
    const a = createClickHouseWarehouse({ url, ...creds, database: db, timeZone: TZ });
    try {
      await a.migrate();
      bAt0001.open();
      await bAtDrop.reached;
      await loadBase(a);
    } finally {
      bAt0001.open();
      bAtDrop.open();
      await bDone;
    }
    const embedded = createEmbeddedWarehouse({ timeZone: TZ });
    await embedded.migrate();
    await loadBase(embedded);
    const q = { fromDay: '2026-02-01', toDay: '2026-03-31', groupBy: ['learner' as const], filters: {} };
    const got = { hours: await a.queryHours(q), reconcile: await a.reconcile() };
    const want = { hours: await embedded.queryHours(q), reconcile: await embedded.reconcile() };
    await a.close();
    await b.close();
    expect(got).toEqual(want);
  });
});
