import { createHash } from 'node:crypto';
import {
  type CertificateRecord,
  createDayOf,
  type DecisionRecord,
  type FlagUpdate,
  type Segment,
  type SessionRecord,
} from '@hourglass/events';
import { sqlDate, sqlInStrings } from '../sql';
import type { EventCountRow, RejectedRow } from '../types';
import {
  checkCertificate,
  checkDecision,
  checkEventCount,
  checkFlag,
  checkRejected,
  checkRows,
  checkSegment,
  checkSession,
} from '../validate';
import { ID_CHECK_SETTINGS } from './client-options';
import type { Connection } from './connection';

/** Ids per duplicate-check query: keeps the literal list under max_ast_elements (50k in 18.16). */
const CHECK_CHUNK = 10_000;

/**
 * Writes. ClickHouse 18.16 has no insert deduplication for non-replicated tables, so id-keyed rows
 * are made idempotent here: ids already stored are looked up first and only new rows are inserted,
 * in one JSONEachRow request. The lookup uses the tables' sort keys (a segment's day and learner, a
 * decision's flag…), so it reads a few granules, not the table.
 *
 * Two writers racing on the same ids could both pass the check; within this process writes to a
 * table are serialized, across processes the aggregator's partitioning keeps a learner's rows with
 * one writer. An insert carries a query_id derived from its rows, so a retry of an insert whose
 * first attempt is still running on the server fails fast (code 216 → 'unavailable') instead of
 * inserting twice. ReplacingMergeTree removes any duplicate that still slips through on merge, and
 * reconcile() reports it meanwhile.
 */
export function createWriter(opts: { conn: Connection; db: string; timeZone: string }) {
  const { conn, db } = opts;
  const dayOf = createDayOf(opts.timeZone);
  const queues = new Map<string, Promise<unknown>>();

  /** Runs `task` after every earlier task of the same table finished (successfully or not). */
  const serialized = <T>(table: string, task: () => Promise<T>): Promise<T> => {
    const prev = queues.get(table) ?? Promise.resolve();
    const next = prev.then(task, task);
    queues.set(
      table,
      next.catch(() => undefined),
    );
    return next;
  };

  const queryIdOf = (table: string, ids: readonly string[]): string =>
    `hourglass-${table}-${createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 40)}`;

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
  const existing = async <T>(
    op: string,
    table: string,
    rows: readonly T[],
    keySql: string,
    conditions: (chunk: readonly T[]) => string[],
  ): Promise<Set<string>> => {
    const found = new Set<string>();
    for (let i = 0; i < rows.length; i += CHECK_CHUNK) {
      const chunk = rows.slice(i, i + CHECK_CHUNK);
      const sql = `SELECT ${keySql} AS k FROM ${db}.${table} WHERE ${conditions(chunk).join(' AND ')}`;
      for (const r of await conn.rows<{ k: string }>(op, sql, ID_CHECK_SETTINGS)) found.add(r.k);
    }
    return found;
  };

  const distinct = <T>(rows: readonly T[], pick: (r: T) => string): string[] => [...new Set(rows.map(pick))];

  /** Check-then-insert for id-keyed tables. */
  const insertNew = async <T>(
    op: string,
    table: string,
    rows: T[],
    keyOf: (r: T) => string,
    keySql: string,
    conditions: (chunk: readonly T[]) => string[],
    toRow: (r: T) => object,
  ): Promise<void> => {
    const batch = uniqueBy(rows, keyOf);
    if (batch.length === 0) return;
    await serialized(table, async () => {
      const have = await existing(op, table, batch, keySql, conditions);
      const fresh = batch.filter((r) => !have.has(keyOf(r)));
      if (fresh.length === 0) return;
      await conn.insert(op, `${db}.${table}`, fresh.map(toRow), queryIdOf(table, fresh.map(keyOf)));
    });
  };

  return {
    async insertSegments(rows: Segment[]): Promise<void> {
      checkRows('segments', rows, checkSegment);
      const withDay = rows.map((s) => ({ s, day: dayOf(s.startMs) }));
      await insertNew(
        'insertSegments',
        'segments',
        withDay,
        (r) => r.s.segmentId,
        'segmentId',
        (chunk) => [
          `day IN (${distinct(chunk, (r) => r.day)
            .map(sqlDate)
            .join(', ')})`,
          sqlInStrings(
            'learnerId',
            distinct(chunk, (r) => r.s.learnerId),
          ),
          sqlInStrings(
            'segmentId',
            distinct(chunk, (r) => r.s.segmentId),
          ),
        ],
        ({ s, day }) => ({
          segmentId: s.segmentId,
          day,
          learnerId: s.learnerId,
          platformId: s.platformId,
          sessionId: s.sessionId,
          courseId: s.courseId,
          deviceId: s.deviceId,
          occupation: s.occupation,
          region: s.region,
          learnerGroup: s.learnerGroup,
          startMs: s.startMs,
          endMs: s.endMs,
          durationMs: s.endMs - s.startMs,
          status: s.status,
          kinds: s.kinds,
          flagIds: s.flagIds,
          eventId: s.eventId,
        }),
      );
    },

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
        "concat(platformId, '/', certificateId)",
        (chunk) => [
          sqlInStrings(
            'learnerId',
            distinct(chunk, (c) => c.learnerId),
          ),
          sqlInStrings(
            'certificateId',
            distinct(chunk, (c) => c.certificateId),
          ),
        ],
        (c) => ({ ...c }),
      );
    },

    async insertDecisions(rows: DecisionRecord[]): Promise<void> {
      checkRows('decisions', rows, checkDecision);
      await insertNew(
        'insertDecisions',
        'decisions',
        rows,
        (d) => d.decisionId,
        'decisionId',
        (chunk) => [
          sqlInStrings(
            'flagId',
            distinct(chunk, (d) => d.flagId),
          ),
          sqlInStrings(
            'decisionId',
            distinct(chunk, (d) => d.decisionId),
          ),
        ],
        (d) => ({ ...d }),
      );
    },

    async insertRejected(rows: RejectedRow[]): Promise<void> {
      checkRows('rejected', rows, checkRejected);
      await insertNew(
        'insertRejected',
        'rejected',
        rows,
        (r) => r.rowId,
        'rowId',
        (chunk) => [
          sqlInStrings(
            'platformId',
            distinct(chunk, (r) => r.platformId),
          ),
          sqlInStrings(
            'rowId',
            distinct(chunk, (r) => r.rowId),
          ),
        ],
        (r) => ({
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
      );
    },

    async insertEventCounts(rows: EventCountRow[]): Promise<void> {
      checkRows('counts', rows, checkEventCount);
      await insertNew(
        'insertEventCounts',
        'event_counts',
        rows,
        (c) => c.countId,
        'countId',
        (chunk) => [
          sqlInStrings(
            'platformId',
            distinct(chunk, (c) => c.platformId),
          ),
          sqlInStrings(
            'countId',
            distinct(chunk, (c) => c.countId),
          ),
        ],
        (c) => ({ countId: c.countId, platformId: c.platformId, day: c.day, accepted: c.accepted }),
      );
    },
  };
}
