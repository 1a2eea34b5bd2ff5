import { randomBytes } from 'node:crypto';
import { createClient } from '@clickhouse/client';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { clickHouseOptionsFromUrl } from './clickhouse/url';
import { createClickHouseWarehouse } from './clickhouse/warehouse';
import { isWarehouseError } from './errors';
import { sqlNumber, sqlString } from './sql';
import { describeWarehouseContract } from './testing/contract';
import { loadBase, TZ } from './testing/fixtures';

// The only place the test run learns where ClickHouse is; src/ never reads the environment.
// A database named in the URL's path is ignored here: every test creates and drops its own.
const raw = process.env.CLICKHOUSE_URL;
const NO_SERVICES = 'start the services: bash deploy/local/services.sh up';

if (raw === undefined || raw === '') {
  describe('ClickHouse warehouse', () => {
    it('needs CLICKHOUSE_URL', () => {
      throw new Error(NO_SERVICES);
    });
  });
} else {
  const { url, username, password } = clickHouseOptionsFromUrl(raw);
  const creds = {
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
  const prefix = `hg_test_${randomBytes(4).toString('hex')}`;
  let n = 0;
  const created: string[] = [];
  const admin = createClient({ url, ...creds, keep_alive: { idle_socket_ttl: 2_000 } });

  afterAll(async () => {
    for (const db of created) await admin.command({ query: `DROP DATABASE IF EXISTS ${db}` });
    await admin.close();
  });

  describeWarehouseContract('clickhouse', async () => {
    const database = `${prefix}_${++n}`;
    created.push(database);
    const warehouse = createClickHouseWarehouse({ url, ...creds, database, timeZone: TZ });
    return {
      warehouse,
      cleanup: async () => {
        await warehouse.close();
        await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      },
    };
  });

  describe('ClickHouse specifics', () => {
    const select = async (sql: string): Promise<Record<string, unknown>[]> => {
      const r = await admin.query({ query: sql, format: 'JSONEachRow' });
      return r.json();
    };

    it('SELECT sqlString(s) returns s exactly, byte for byte (property, real server)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 40 }),
            fc.string({
              unit: fc.constantFrom("'", '\\', '\0', '\n', '\r', '\t', '"', '`', '?', '{', 'x'),
              maxLength: 20,
            }),
            fc.string({ unit: 'grapheme', maxLength: 20 }),
          ),
          async (s) => {
            const rows = await select(`SELECT hex(${sqlString(s)}) AS h, ${sqlString(s)} AS s`);
            expect(rows[0]?.h).toBe(Buffer.from(s, 'utf8').toString('hex').toUpperCase());
            expect(rows[0]?.s).toBe(s);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('sqlNumber literals read back as the same number', async () => {
      const values = [0, -0, 1, -1, 42.5, -1e-7, 2 ** 53 - 1, -(2 ** 53 - 1), 1_772_294_400_000, 0.1];
      const rows = await select(
        `SELECT ${values.map((v, i) => `toString(${sqlNumber(v)}) AS v${i}`).join(', ')}`,
      );
      expect(values.map((_, i) => Number(rows[0]?.[`v${i}`]))).toEqual(
        values.map((v) => (Object.is(v, -0) ? 0 : v)),
      );
      expect(await select(`SELECT 1 - ${sqlNumber(-5)} AS x`)).toEqual([{ x: 6 }]);
    });

    it('reopening a database in another time zone is refused', async () => {
      const database = `${prefix}_tz`;
      created.push(database);
      const a = createClickHouseWarehouse({ url, ...creds, database, timeZone: TZ });
      await a.migrate();
      await a.close();
      const b = createClickHouseWarehouse({ url, ...creds, database, timeZone: 'Europe/Berlin' });
      const err = await b.migrate().then(
        () => null,
        (e: unknown) => e,
      );
      await b.close();
      expect(isWarehouseError(err, 'invalid')).toBe(true);
    });

    it('an unreachable server is "unavailable" (retry), not a crash', async () => {
      const w = createClickHouseWarehouse({
        url: 'http://127.0.0.1:1',
        database: `${prefix}_x`,
        timeZone: TZ,
      });
      const err = await w.counts().then(
        () => null,
        (e: unknown) => e,
      );
      await w.close();
      expect(isWarehouseError(err, 'unavailable')).toBe(true);
    });

    it('a duplicate that slipped past the insert check is reported by reconcile', async () => {
      const database = `${prefix}_dup`;
      created.push(database);
      const w = createClickHouseWarehouse({ url, ...creds, database, timeZone: TZ });
      await w.migrate();
      await loadBase(w);
      // Simulates a cross-process race: the same row inserted behind the adapter's back.
      await admin.command({
        query: `INSERT INTO ${database}.segments SELECT * FROM ${database}.segments WHERE segmentId = 's1'`,
      });
      expect(await w.reconcile()).toEqual({ duplicateSegmentIds: 1, mismatchedLearners: ['L1'] });
      await w.close();
    });
  });
}
