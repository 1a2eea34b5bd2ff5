import { createHash } from 'node:crypto';
import type { CertificateRecord, DecisionRecord, FlagUpdate, SessionRecord } from '@hourglass/events';
import { WarehouseError } from '../errors';
import { sqlInStringSet, sqlInStrings } from '../sql';
import type { RejectedRow } from '../types';
import {
  checkCertificate,
  checkDecision,
  checkFlag,
  checkRejected,
  checkRows,
  checkSession,
} from '../validate';
import { CERTIFICATE_COLUMNS_WRITTEN, certificatesRowBinary } from './certificate-rows';
import { ID_CHECK_SETTINGS } from './client-options';
import type { Connection } from './connection';
import { createCountInsert } from './count-insert';
import { createSegmentInsert } from './segment-insert';

/** Ids per duplicate-check query: bounds the query text (ids travel as one string literal). */
const CHECK_CHUNK = 20_000;

/**
 * Writes. ClickHouse 18.16 has no insert deduplication for non-replicated tables, so id-keyed rows
 * are made idempotent here: ids already stored are looked up first and only new rows are inserted,
 * in one request (segments: RowBinary, see segment-insert.ts). The lookup uses the tables' sort keys (a segment's day and learner, a
 * decision's flag…), so it reads a few granules, not the table.
 *
 * Two writers racing on the same ids could both pass the check; within this process overlapping
 * writes to a table are ordered (see `exclusive`), across processes the aggregator's partitioning keeps a learner's rows with
 * one writer. An insert carries a query_id derived from its rows, so a retry of an insert whose
 * first attempt is still running on the server fails fast (code 216 → 'unavailable') instead of
 * inserting twice; a retry of some of those rows under another query_id waits for it (see `inDoubt`).
 * ReplacingMergeTree removes any duplicate that still slips through on merge, and
 * reconcile() reports it meanwhile.
 */
/** The ids a write holds (a Map's or Set's key view). */
export interface IdSet {
  has(id: string): boolean;
  keys(): IterableIterator<string>;
  readonly size: number;
  /**
   * Segments only: the first and last startMs of the write. Its duplicate check looks for stored
   * rows inside its own start times only (a stored copy of a segment has the same start), so a
   * write whose starts are all outside another's can never find that other's rows, and there is
   * nothing to order: two such writes skip comparing their ids (50k lookups per write).
   */
  readonly starts?: readonly [number, number];
}

function overlaps(a: IdSet, b: IdSet): boolean {
  if (a.starts !== undefined && b.starts !== undefined) {
    if (a.starts[1] < b.starts[0] || b.starts[1] < a.starts[0]) return false;
  }
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const id of small.keys()) if (large.has(id)) return true;
  return false;
}

/** How an id-keyed table's fresh rows are sent: JSONEachRow of a row object, or a RowBinary body. */
type Encoding<T> =
  | { json: (r: T) => object }
  | { columns: string; rowBinary: (fresh: readonly T[]) => Buffer };

/** How long a write waits for an insert in doubt (below) to end before it fails as 'unavailable'. */
const IN_DOUBT_WAIT_MS = 10_000;
const IN_DOUBT_POLL_MS = 50;

export function createWriter(opts: { conn: Connection; db: string; timeZone: string }) {
  const { db } = opts;
  /** Per table: the writes in flight and the ids each of them holds. */
  const inFlight = new Map<string, { ids: IdSet; done: Promise<unknown> }[]>();

  /**
   * Per table (`db.table`): query ids of inserts whose reply was lost (the connection failed or timed
   * out, so the server may still be running them). A later check-then-insert of the table first waits
   * until none of them runs any more: while one does, the check cannot see its rows, and a retry of
   * them under another query id (the aggregator regroups a failed write's batches) would insert them
   * twice — in `segments` until a merge, in `by_learner` for good.
   */
  const inDoubt = new Map<string, Set<string>>();
  const noteInDoubt = (table: string, queryId: string | undefined, err: unknown): void => {
    // A server-reported error means the server answered, so the insert ended there.
    if (queryId === undefined || !(err instanceof WarehouseError) || err.serverCode !== undefined) return;
    if (err.code !== 'unavailable' && err.code !== 'unexpected') return;
    const ids = inDoubt.get(table) ?? new Set<string>();
    ids.add(queryId);
    inDoubt.set(table, ids);
  };
  const conn: Connection = {
    ...opts.conn,
    async insert(op, table, values, queryId) {
      try {
        await opts.conn.insert(op, table, values, queryId);
      } catch (err) {
        noteInDoubt(table, queryId, err);
        throw err;
      }
    },
    async insertBody(op, table, columns, format, body, queryId) {
      try {
        await opts.conn.insertBody(op, table, columns, format, body, queryId);
      } catch (err) {
        noteInDoubt(table, queryId, err);
        throw err;
      }
    },
  };
  const settle = async (table: string): Promise<void> => {
    const ids = inDoubt.get(`${db}.${table}`);
    const until = Date.now() + IN_DOUBT_WAIT_MS;
    while (ids !== undefined && ids.size > 0) {
      const running = new Set(
        await conn.column(
          'settleInDoubt',
          `SELECT query_id FROM system.processes WHERE ${sqlInStrings('query_id', [...ids])}`,
        ),
      );
      for (const id of [...ids]) if (!running.has(id)) ids.delete(id);
      if (ids.size === 0) return;
      if (Date.now() >= until) {
        throw new WarehouseError(
          'unavailable',
          `insert into ${db}.${table}: an earlier insert whose reply was lost is still running`,
        );
      }
      await new Promise((r) => setTimeout(r, IN_DOUBT_POLL_MS));
    }
  };

  /**
   * Runs `task` once every earlier write of the same table that shares an id with it has settled.
   * Writes with disjoint ids run concurrently (the aggregator writes several partitions at once);
   * overlapping ones are ordered, so one of them always sees the other's rows in its check.
   * A write is compared with the few writes in flight, using the id set it already has: keeping a
   * claim per id cost a tenth of the client's CPU per 50k-row insert.
   */
  const exclusive = <T>(table: string, ids: IdSet, task: () => Promise<T>): Promise<T> => {
    const running = inFlight.get(table) ?? [];
    inFlight.set(table, running);
    const before = running.filter((w) => overlaps(ids, w.ids)).map((w) => w.done);
    const run = Promise.allSettled(before)
      .then(() => settle(table))
      .then(task);
    const entry = { ids, done: run };
    running.push(entry);
    const release = () => {
      const i = running.indexOf(entry);
      if (i >= 0) running.splice(i, 1);
    };
    run.then(release, release);
    return run;
  };

  /**
   * The same rows always get the same query_id. It is built from the count and up to 64 ids spread over
   * the batch, not from all of them: hashing 50k ids cost a quarter of the client's CPU per insert. Two
   * different batches that share the sample and count only get the other's 216 while it runs, which
   * reads as 'unavailable' and is retried; nothing is lost or inserted twice. The database is part of
   * it: query ids are server-wide, and the same rows written to two databases at once (tests running
   * side by side, two deployments on one server) are not the same insert.
   */
  const queryIdOf = (table: string, count: number, idAt: (i: number) => string): string => {
    const h = createHash('sha256').update(`${db}\n${table}\n${count}`);
    const step = Math.max(1, Math.floor(count / 64));
    for (let i = 0; i < count; i += step) h.update(`\n${idAt(i)}`);
    h.update(`\n${count > 0 ? idAt(count - 1) : ''}`);
    return `hourglass-${table}-${h.digest('hex').slice(0, 40)}`;
  };

  /** First occurrence of each key within a batch. */
  const uniqueBy = <T>(rows: readonly T[], keyOf: (r: T) => string): T[] => {
    const seen = new Set<string>();
    const out: T[] = [];
    for (const r of rows) {
      const k = keyOf(r);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(r);
    }
    return out;
  };

  /** Which keys of `rows` are already stored: `conditions` narrows by sort key, `keySql` names the key. */
  const storedKeys =
    <T>(op: string, table: string, keySql: string, conditions: (chunk: readonly T[]) => string[]) =>
    async (rows: readonly T[]): Promise<Set<string>> => {
      const found = new Set<string>();
      for (let i = 0; i < rows.length; i += CHECK_CHUNK) {
        const chunk = rows.slice(i, i + CHECK_CHUNK);
        const sql = `SELECT ${keySql} AS k FROM ${db}.${table} WHERE ${conditions(chunk).join(' AND ')}`;
        for (const r of await conn.rows<{ k: string }>(op, sql, ID_CHECK_SETTINGS)) found.add(r.k);
      }
      return found;
    };

  const distinct = <T>(rows: readonly T[], pick: (r: T) => string): string[] => [...new Set(rows.map(pick))];
  const inSet = <T>(column: string, rows: readonly T[], pick: (r: T) => string): string =>
    sqlInStringSet(column, distinct(rows, pick));

  /** Check-then-insert for id-keyed tables. */
  const insertNew = async <T>(
    op: string,
    table: string,
    rows: T[],
    keyOf: (r: T) => string,
    stored: (batch: readonly T[]) => Promise<Set<string>>,
    encoding: Encoding<T>,
  ): Promise<void> => {
    const batch = uniqueBy(rows, keyOf);
    if (batch.length === 0) return;
    await exclusive(table, new Set(batch.map(keyOf)), async () => {
      const have = await stored(batch);
      const fresh = batch.filter((r) => !have.has(keyOf(r)));
      if (fresh.length === 0) return;
      const queryId = queryIdOf(table, fresh.length, (i) => keyOf(fresh[i] as T));
      if ('json' in encoding) await conn.insert(op, `${db}.${table}`, fresh.map(encoding.json), queryId);
      else {
        const body = encoding.rowBinary(fresh);
        await conn.insertBody(op, `${db}.${table}`, encoding.columns, 'RowBinary', body, queryId);
      }
    });
  };

  const insertSegments = createSegmentInsert({ conn, db, timeZone: opts.timeZone, exclusive, queryIdOf });
  const insertEventCounts = createCountInsert({ conn, db, exclusive, queryIdOf });

  return {
    insertSegments,

    // Versioned rows need no check: readers take argMax(…, version), merges keep the highest.
    async upsertFlags(rows: FlagUpdate[]): Promise<void> {
      checkRows('flags', rows, checkFlag);
      await conn.insert(
        'upsertFlags',
        `${db}.flags`,
        rows.map((f) => ({
          flagId: f.flagId,
          kind: f.kind,
          learnerId: f.learnerId,
          platformId: f.platformId,
          sessionId: f.sessionId,
          firstAtMs: f.firstAtMs,
          lastAtMs: f.lastAtMs,
          occurrences: f.occurrences,
          withheldMs: f.withheldMs,
          evidence: JSON.stringify(f.evidence),
          version: f.version,
        })),
      );
    },

    async upsertSessions(rows: SessionRecord[]): Promise<void> {
      checkRows('sessions', rows, checkSession);
      await conn.insert(
        'upsertSessions',
        `${db}.sessions`,
        rows.map((s) => ({ ...s })),
      );
    },

    async insertCertificates(rows: CertificateRecord[]): Promise<void> {
      checkRows('certificates', rows, checkCertificate);
      await insertNew(
        'insertCertificates',
        'certificates',
        rows,
        (c) => `${c.platformId}/${c.certificateId}`,
        storedKeys<CertificateRecord>(
          'insertCertificates',
          'certificates',
          "concat(platformId, '/', certificateId)",
          // Not by learnerId, though it leads the sort key: a resent copy naming another learner is the
          // same certificate and must be found (the embedded store keeps the first copy too).
          (chunk) => [
            inSet('platformId', chunk, (c) => c.platformId),
            inSet('certificateId', chunk, (c) => c.certificateId),
          ],
        ),
        // RowBinary: requiredHours is a Float64 that JSON would not always carry exactly.
        { columns: CERTIFICATE_COLUMNS_WRITTEN, rowBinary: certificatesRowBinary },
      );
    },

    async insertDecisions(rows: DecisionRecord[]): Promise<void> {
      checkRows('decisions', rows, checkDecision);
      await insertNew(
        'insertDecisions',
        'decisions',
        rows,
        (d) => d.decisionId,
        // By id alone (a full read of a small table): a resent copy naming another flag is the same
        // decision, found and kept out, as the embedded store keeps the first copy.
        storedKeys<DecisionRecord>('insertDecisions', 'decisions', 'decisionId', (chunk) => [
          inSet('decisionId', chunk, (d) => d.decisionId),
        ]),
        { json: (d) => ({ ...d }) },
      );
    },

    async insertRejected(rows: RejectedRow[]): Promise<void> {
      checkRows('rejected', rows, checkRejected);
      await insertNew(
        'insertRejected',
        'rejected',
        rows,
        (r) => r.rowId,
        // Narrowed by platform (the sort key's prefix): a row id is the record's place in the log, and
        // every copy of that record names the same platform.
        storedKeys<RejectedRow>('insertRejected', 'rejected', 'rowId', (chunk) => [
          inSet('platformId', chunk, (r) => r.platformId),
          inSet('rowId', chunk, (r) => r.rowId),
        ]),
        {
          json: (r) => ({
            rowId: r.rowId,
            platformId: r.platformId,
            receivedAt: r.receivedAt,
            source: r.source,
            eventIndex: r.index,
            id: r.id,
            type: r.type,
            errors: JSON.stringify(r.errors),
            raw: r.raw,
            truncated: r.truncated ? 1 : 0,
          }),
        },
      );
    },

    insertEventCounts,
  };
}
