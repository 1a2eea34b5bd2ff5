import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createClickHouseWarehouse } from './clickhouse/warehouse';
import { createEmbeddedWarehouse } from './embedded/warehouse';
import { isWarehouseError } from './errors';
import { loadBase, TZ } from './testing/fixtures';
import { testDatabases } from './testing/test-databases';

/**
 * Two processes running migrate() at once (the api and the aggregator both migrate at start-up; found in
 * review). A small HTTP proxy in front of ClickHouse holds chosen requests, so the interleaving is fixed.
 */
const raw = process.env.CLICKHOUSE_URL;

interface Gate {
  match: RegExp;
  need: number;
  arrived: number;
  opened: boolean;
  waiters: (() => void)[];
  reach: () => void;
}

function holdingProxy(target: URL) {
  const gates: Gate[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const text = `${decodeURIComponent(req.url ?? '')}\n${body.toString('utf8')}`;
      const g = gates.find((x) => !x.opened && x.match.test(text));
      if (g !== undefined) {
        g.arrived++;
        if (g.arrived >= g.need) g.reach();
        await new Promise<void>((r) => (g.opened ? r() : g.waiters.push(r)));
      }
      const up = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 500, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', (e) => res.destroy(e));
      up.end(body);
    });
  });
  return {
    async start(): Promise<string> {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    /** Holds requests matching `match` until open(); with `barrier`, until `need` of them have arrived. */
    gate(match: RegExp, need = 1, barrier = false) {
      let reach!: () => void;
      const reached = new Promise<void>((r) => {
        reach = r;
      });
      const g: Gate = { match, need, arrived: 0, opened: false, waiters: [], reach };
      const open = () => {
        g.opened = true;
        for (const w of g.waiters.splice(0)) w();
      };
      if (barrier) void reached.then(open);
      gates.push(g);
      return { reached, open };
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

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
