import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createClickHouseWarehouse } from './clickhouse/warehouse';
import { isWarehouseError } from './errors';
import { legacyByLearnerView, MIGRATIONS } from './migrations';
import { sqlNumber, sqlString } from './sql';
import { describeWarehouseContract } from './testing/contract';
import { decision, flag, loadBase, SEGMENTS, segment, TZ } from './testing/fixtures';
import { testDatabases } from './testing/test-databases';
import type { HoursQuery, Warehouse } from './types';

/** Query answers over the fixtures' range that a change of storage (merges, an upgrade) must leave as they are. */
async function answersOf(w: Warehouse, groupBy: HoursQuery['groupBy']) {
  const range = { fromDay: '2026-02-01', toDay: '2026-03-31' };
  return {
    hours: await w.queryHours({ ...range, groupBy, filters: {} }),
    l1: await w.learnerTotals('L1'),
    l2: await w.queryHours({ ...range, groupBy: ['day'], filters: { learnerId: 'L2' } }),
    programme: await w.programme(),
  };
}

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
  const { url, creds, admin, database: newDatabase, unused } = testDatabases(raw, 'hg_test');

  describeWarehouseContract('clickhouse', async () => {
    const database = newDatabase();
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
      const database = newDatabase('tz');
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

    it('a database whose zone claims disagree is refused in every zone; one from before 0007 keeps its recorded zone', async () => {
      const database = newDatabase('tzclaims');
      const a = createClickHouseWarehouse({ url, ...creds, database, timeZone: TZ });
      await a.migrate();
      expect(await a.migrate()).toEqual({ applied: [] });
      // A second claim, as a process that raced this one on the new database in another zone leaves.
      await admin.command({ query: `INSERT INTO ${database}.time_zone VALUES ('Europe/Berlin', 1)` });
      await expect(a.migrate()).rejects.toThrow(/conflicting time zone claims/);
      await a.close();
      const b = createClickHouseWarehouse({ url, ...creds, database, timeZone: 'Europe/Berlin' });
      await expect(b.migrate()).rejects.toSatisfy((e) => isWarehouseError(e, 'invalid'));
      await b.close();
      // Before 0007 the zone was in meta: it becomes the claim, whoever opens the database first.
      const older = newDatabase('tzlegacy');
      await admin.command({ query: `CREATE DATABASE ${older}` });
      await admin.command({
        query: `CREATE TABLE ${older}.schema_migrations (version UInt32, name String, appliedAtMs Int64)
                ENGINE = MergeTree ORDER BY version`,
      });
      for (const m of MIGRATIONS.filter((x) => x.version <= 6)) {
        for (const statement of m.statements(older)) await admin.command({ query: statement });
        for (const c of m.addColumns ?? []) {
          await admin.command({ query: `ALTER TABLE ${older}.${c.table} ADD COLUMN ${c.column} ${c.type}` });
        }
        await admin.command({
          query: `INSERT INTO ${older}.schema_migrations VALUES (${sqlNumber(m.version)}, ${sqlString(m.name)}, 0)`,
        });
      }
      await admin.command({ query: `INSERT INTO ${older}.meta VALUES ('timeZone', ${sqlString(TZ)})` });
      const c = createClickHouseWarehouse({ url, ...creds, database: older, timeZone: 'Europe/Berlin' });
      await expect(c.migrate()).rejects.toSatisfy((e) => isWarehouseError(e, 'invalid'));
      await c.close();
      const d = createClickHouseWarehouse({ url, ...creds, database: older, timeZone: TZ });
      await d.migrate();
      await d.close();
    });

    it('an unreachable server is "unavailable" (retry), not a crash', async () => {
      const w = createClickHouseWarehouse({
        url: 'http://127.0.0.1:1',
        database: unused('x'),
        timeZone: TZ,
      });
      const err = await w.counts().then(
        () => null,
        (e: unknown) => e,
      );
      const pinged = await w.ping().then(
        () => null,
        (e: unknown) => e,
      );
      await w.close();
      expect(isWarehouseError(err, 'unavailable')).toBe(true);
      expect(isWarehouseError(pinged, 'unavailable')).toBe(true);
    });

    it('answers survive background merges (OPTIMIZE … FINAL of every table)', async () => {
      const database = newDatabase('merged');
      const w = createClickHouseWarehouse({ url, ...creds, database, timeZone: TZ });
      await w.migrate();
      const read = async () => ({
        ...(await answersOf(w, ['day', 'learner'])),
        flags: await w.listFlags({ scope: '*', limit: 100 }),
        session: await w.getSession('alpha', 'S3'),
      });
      // Two inserts of each kind, so that merging has parts to fold together.
      await loadBase(w);
      await w.insertSegments([
        segment('s10', 'S3', '2026-03-02T05:00:00Z', 4, { kinds: ['idle'], flagIds: ['flag-x'] }),
      ]);
      await w.insertSegments([segment('s11', 'S1', '2026-03-01T02:00:00Z', 0)]);
      await w.insertDecisions([
        decision('d1', 'flag-b', 'approve', '2026-03-05T00:00:00Z', '2026-03-02T03:20:00Z'),
      ]);
      await w.upsertFlags([
        flag('flag-a', 'idle', 'S1', '2026-03-01T16:30:00Z', '2026-03-01T16:40:00Z', 10, 2),
      ]);
      // A cumulative count written as it grew: merging keeps the copy that counts furthest.
      const count = { countId: 'e/0/from-0/alpha/2026-03-01', platformId: 'alpha', day: '2026-03-01' };
      await w.insertEventCounts([{ ...count, accepted: 4, through: 10 }]);
      await w.insertEventCounts([{ ...count, accepted: 9, through: 20 }]);
      await w.insertEventCounts([{ ...count, accepted: 4, through: 10 }]);
      const before = await read();
      expect(before.programme.platforms.find((p) => p.platformId === 'alpha')?.acceptedEvents).toBe(9);
      const tables = await select(
        `SELECT name FROM system.tables WHERE database = ${sqlString(database)} AND engine LIKE '%MergeTree'`,
      );
      for (const t of tables)
        await admin.command({ query: `OPTIMIZE TABLE ${database}.${String(t.name)} FINAL` });
      expect(await read()).toEqual(before);
      expect(await w.reconcile()).toEqual({
        duplicateSegmentIds: 0,
        mismatchedLearners: [],
        segmentsByPlatform: [],
      });
      await w.close();
    });

    it('a database made before the grouped view upgrades: same answers as a new one, one view', async () => {
      const open = async (name: string) => {
        const database = newDatabase(name);
        return { database, w: createClickHouseWarehouse({ url, ...creds, database, timeZone: TZ }) };
      };
      // The old database: migrations 1–4 as an earlier release applied them, half the rows through the old view.
      const old = await open('upgraded');
      await admin.command({ query: `CREATE DATABASE ${old.database}` });
      await admin.command({
        query: `CREATE TABLE ${old.database}.schema_migrations (version UInt32, name String, appliedAtMs Int64)
                ENGINE = MergeTree ORDER BY version`,
      });
      for (const m of MIGRATIONS.filter((x) => x.version <= 4)) {
        for (const statement of m.statements(old.database)) {
          // 0001 created the view per segment then; it creates the grouped one now.
          const then = statement.includes('by_learner_grouped_mv')
            ? legacyByLearnerView(old.database)
            : statement;
          await admin.command({ query: then });
        }
        await admin.command({
          query: `INSERT INTO ${old.database}.schema_migrations VALUES (${sqlNumber(m.version)}, ${sqlString(m.name)}, 0)`,
        });
      }
      // The zone as an earlier release recorded it, before 0007.
      await admin.command({
        query: `INSERT INTO ${old.database}.meta VALUES ('timeZone', ${sqlString(TZ)})`,
      });
      const half = Math.floor(SEGMENTS.length / 2);
      await old.w.insertSegments(SEGMENTS.slice(0, half));
      // A count the earlier release wrote, before counts said how many segments they emitted.
      await admin.command({
        query: `INSERT INTO ${old.database}.event_counts VALUES ('old-1', 'alpha', '2026-03-01', 5)`,
      });
      expect(await old.w.migrate()).toEqual({
        applied: [
          '0005_by_learner_grouped_view',
          '0006_event_counts_segments',
          '0007_time_zone_claims',
          '0008_event_counts_by_position',
        ],
      });
      expect(await old.w.migrate()).toEqual({ applied: [] });
      await loadBase(old.w); // the first half again (nothing new) and the rest through the new view
      const fresh = await open('fresh');
      await fresh.w.migrate();
      await loadBase(fresh.w);
      await fresh.w.insertEventCounts([
        { countId: 'old-1', platformId: 'alpha', day: '2026-03-01', accepted: 5 },
      ]);
      const read = async (w: Warehouse) => ({
        ...(await answersOf(w, ['day', 'learner', 'platform'])),
        reconcile: await w.reconcile(),
      });
      const answers = await read(old.w);
      expect(answers).toEqual(await read(fresh.w));
      expect(answers.reconcile).toEqual({
        duplicateSegmentIds: 0,
        mismatchedLearners: [],
        segmentsByPlatform: [],
      });
      // The old count's platform cannot be reconciled: left out, not reported as lost segments.
      await old.w.insertEventCounts([
        { countId: 'new-1', platformId: 'alpha', day: '2026-03-02', accepted: 3, segments: 6 },
        { countId: 'new-2', platformId: 'beta', day: '2026-03-02', accepted: 3, segments: 3 },
      ]);
      expect((await old.w.reconcile()).segmentsByPlatform).toEqual([
        { platformId: 'beta', emitted: 3, stored: 3 },
      ]);
      const views = await select(
        `SELECT name FROM system.tables WHERE database = ${sqlString(old.database)} AND engine = 'MaterializedView'`,
      );
      expect(views).toEqual([{ name: 'by_learner_grouped_mv' }]);
      await old.w.close();
      await fresh.w.close();
    });

    it('a duplicate that slipped past the insert check is reported by reconcile', async () => {
      const database = newDatabase('dup');
      const w = createClickHouseWarehouse({ url, ...creds, database, timeZone: TZ });
      await w.migrate();
      await loadBase(w);
      // Simulates a cross-process race: the same row inserted behind the adapter's back.
      await admin.command({
        query: `INSERT INTO ${database}.segments SELECT * FROM ${database}.segments WHERE segmentId = 's1'`,
      });
      expect(await w.reconcile()).toEqual({
        duplicateSegmentIds: 1,
        mismatchedLearners: ['L1'],
        segmentsByPlatform: [],
      });
      await w.close();
    });
  });
}
