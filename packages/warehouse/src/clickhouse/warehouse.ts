import { WarehouseError } from '../errors';
import { MIGRATIONS } from '../migrations';
import { segmentsByPlatform } from '../segment-reconciliation';
import { sqlIdentifier, sqlString } from '../sql';
import type { Warehouse } from '../types';
import { createConnection } from './connection';
import { countsOnceSql } from './count-insert';
import { createReview } from './review';
import { createStats } from './stats';
import { createWriter } from './writes';

export interface ClickHouseWarehouseOptions {
  url: string;
  /** Default 'hourglass'. Tests use their own (`hg_test_<random>`) and drop it afterwards. */
  database?: string;
  /** Programme time zone: the `day` of every stored segment is computed in it. */
  timeZone: string;
  username?: string;
  password?: string;
  requestTimeoutMs?: number;
}

type Num = string | number;

/** The warehouse on ClickHouse (18.16 or current); README "ClickHouse tables" explains the schema. */
export function createClickHouseWarehouse(opts: ClickHouseWarehouseOptions): Warehouse {
  const database = opts.database ?? 'hourglass';
  const db = sqlIdentifier(database);
  // Fail on a bad zone here, not with wrong days later.
  new Intl.DateTimeFormat('en', { timeZone: opts.timeZone });
  const conn = createConnection(opts);
  const writer = createWriter({ conn, db, timeZone: opts.timeZone });
  const stats = createStats({ conn, db });
  const review = createReview({ conn, db });

  const hasColumn = async (table: string, column: string): Promise<boolean> => {
    const [have] = await conn.rows<{ n: Num }>(
      'migrate',
      `SELECT count() AS n FROM system.columns
       WHERE database = ${sqlString(database)} AND table = ${sqlString(table)} AND name = ${sqlString(column)}`,
    );
    return Number(have?.n ?? 0) > 0;
  };

  const claimedZones = async (): Promise<string[]> =>
    (
      await conn.rows<{ value: string }>(
        'migrate',
        `SELECT DISTINCT value FROM ${db}.time_zone ORDER BY value`,
      )
    ).map((r) => r.value);

  /**
   * Every process that finds no zone claims its own (0007; a database from before keeps meta's zone),
   * then reads the claims back: it opens the database only if they all name its zone. Two processes
   * that raced on a new database with different zones leave two claims, and every later open refuses
   * until an operator deletes the wrong one: refused rather than guessed, as days computed in two zones
   * cannot be told apart.
   */
  const checkTimeZone = async (): Promise<void> => {
    let zones = await claimedZones();
    if (zones.length === 0) {
      const [legacy] = await conn.rows<{ value: string }>(
        'migrate',
        `SELECT value FROM ${db}.meta WHERE key = 'timeZone' LIMIT 1`,
      );
      await conn.insert('migrate', `${db}.time_zone`, [
        { value: legacy?.value ?? opts.timeZone, atMs: Date.now() },
      ]);
      zones = await claimedZones();
    }
    if (zones.length > 1) {
      throw new WarehouseError(
        'invalid',
        `database ${db} has conflicting time zone claims (${zones.join(', ')}): processes opened it with different zones; delete the wrong claims from ${db}.time_zone`,
      );
    }
    if (zones[0] !== opts.timeZone) {
      // Stored days were computed in another zone: mixing them would misattribute hours silently.
      throw new WarehouseError(
        'invalid',
        `database ${db} holds days in time zone ${zones[0]}, not ${opts.timeZone}; use another database`,
      );
    }
  };

  return {
    kind: 'clickhouse',

    async migrate() {
      await conn.command('migrate', `CREATE DATABASE IF NOT EXISTS ${db}`);
      await conn.command(
        'migrate',
        `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (version UInt32, name String, appliedAtMs Int64)
         ENGINE = MergeTree ORDER BY version`,
      );
      const done = new Set(
        (
          await conn.rows<{ version: Num }>('migrate', `SELECT DISTINCT version FROM ${db}.schema_migrations`)
        ).map((r) => Number(r.version)),
      );
      const applied: string[] = [];
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        for (const statement of m.statements(db)) await conn.command('migrate', statement);
        for (const c of m.addColumns ?? []) {
          if (!(await hasColumn(c.table, c.column))) {
            await conn
              .command('migrate', `ALTER TABLE ${db}.${c.table} ADD COLUMN ${c.column} ${c.type}`)
              .catch(async (err: unknown) => {
                // Another process migrating at the same time added it after our check: done, not a failure.
                if (!(await hasColumn(c.table, c.column))) throw err;
              });
          }
        }
        // Recorded after its statements: a crash in between re-runs idempotent statements, never skips one.
        await conn.insert('migrate', `${db}.schema_migrations`, [
          { version: m.version, name: m.name, appliedAtMs: Date.now() },
        ]);
        applied.push(m.name);
      }
      await checkTimeZone();
      return { applied };
    },

    insertSegments: writer.insertSegments,
    upsertFlags: writer.upsertFlags,
    upsertSessions: writer.upsertSessions,
    insertCertificates: writer.insertCertificates,
    insertDecisions: writer.insertDecisions,
    insertRejected: writer.insertRejected,
    insertEventCounts: writer.insertEventCounts,

    queryHours: stats.queryHours,
    learnerTotals: stats.learnerTotals,
    programme: stats.programme,

    listFlags: review.listFlags,
    getFlag: review.getFlag,
    getSession: review.getSession,

    async counts() {
      // Segment ids are checked before insert, so count() is exact unless a cross-process race
      // slipped a duplicate in (reconcile() reports those); a uniqExact over millions of ids would
      // make this — a readiness probe — take seconds.
      const rows = await conn.rows<Record<string, Num>>(
        'counts',
        `SELECT
          (SELECT count() FROM ${db}.segments) AS segments,
          (SELECT uniqExact(flagId) FROM ${db}.flags) AS flags,
          (SELECT uniqExact(decisionId) FROM ${db}.decisions) AS decisions,
          (SELECT uniqExact(rowId) FROM ${db}.rejected) AS rejected`,
      );
      const r = rows[0] ?? {};
      return {
        segments: Number(r.segments ?? 0),
        flags: Number(r.flags ?? 0),
        decisions: Number(r.decisions ?? 0),
        rejected: Number(r.rejected ?? 0),
      };
    },

    async ping() {
      // One row of the smallest column at most: the database and its tables are there and answer.
      await conn.rows('ping', `SELECT 1 AS ok FROM ${db}.segments LIMIT 1`);
    },

    async reconcile() {
      // Full scans: an operator's check, not a query path.
      const [dups, mismatched, emitted, stored] = await Promise.all([
        conn.rows<{ n: Num }>(
          'reconcile',
          `SELECT count() AS n FROM (SELECT segmentId FROM ${db}.segments GROUP BY segmentId HAVING count() > 1)`,
        ),
        // "queried" adds up exactly what the hours query reads (by_learner kind 0 + withheld rows);
        // "stored" sums each distinct segment once; one learner's queries read their withheld rows
        // from by_learner kind 1 ("byLearner"), checked against the stored withheld ones.
        conn.rows<{ learnerId: string }>(
          'reconcile',
          `SELECT learnerId FROM (
            SELECT learnerId, sumIf(ms, src = 1) AS queried, sumIf(ms, src = 2) AS stored,
              sumIf(ms, src = 3) AS byLearner, sumIf(ms, src = 4) AS storedWithheld FROM (
              SELECT learnerId, verifiedMs AS ms, toUInt8(1) AS src FROM ${db}.by_learner WHERE kind = 0
              UNION ALL
              SELECT learnerId, durationMs AS ms, toUInt8(1) AS src FROM ${db}.segments
              WHERE status = 'withheld' AND multiFlag = 0
              UNION ALL
              SELECT learnerId, any(durationMs) AS ms, toUInt8(1) AS src FROM ${db}.segments
              WHERE status = 'withheld' AND multiFlag = 1 GROUP BY learnerId, segmentId
              UNION ALL
              SELECT learnerId, any(durationMs) AS ms, toUInt8(2) AS src FROM ${db}.segments
              GROUP BY learnerId, segmentId
              UNION ALL
              SELECT learnerId, any(wDurationMs) AS ms, toUInt8(3) AS src FROM ${db}.by_learner
              WHERE kind = 1 GROUP BY learnerId, wSegmentId
              UNION ALL
              SELECT learnerId, any(durationMs) AS ms, toUInt8(4) AS src FROM ${db}.segments
              WHERE status = 'withheld' GROUP BY learnerId, segmentId
            ) GROUP BY learnerId
          ) WHERE queried != stored OR byLearner != storedWithheld ORDER BY learnerId`,
        ),
        // Each count once (GROUP BY countId; a cumulative one as far as it got); min < 0: a count from before segments were counted.
        conn.rows<{ platformId: string; emitted: Num; least: Num }>(
          'reconcile',
          `SELECT platformId, sum(s) AS emitted, min(s) AS least FROM (
            SELECT platformId, segments AS s FROM (${countsOnceSql(db)})
          ) GROUP BY platformId`,
        ),
        conn.rows<{ platformId: string; n: Num }>(
          'reconcile',
          `SELECT platformId, uniqExact(segmentId) AS n FROM ${db}.segments GROUP BY platformId`,
        ),
      ]);
      return {
        duplicateSegmentIds: Number(dups[0]?.n ?? 0),
        mismatchedLearners: mismatched.map((r) => r.learnerId),
        segmentsByPlatform: segmentsByPlatform(
          emitted.map((e) => ({
            platformId: e.platformId,
            emitted: Number(e.emitted),
            complete: Number(e.least) >= 0,
          })),
          new Map(stored.map((r) => [r.platformId, Number(r.n)])),
        ),
      };
    },

    async close() {
      await conn.close();
    },
  };
}
