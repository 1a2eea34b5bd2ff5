import { countSupersedes } from '@hourglass/events';
import { sqlInStringSet } from '../sql';
import type { EventCountRow } from '../types';
import { checkEventCount, checkRows } from '../validate';
import { ID_CHECK_SETTINGS } from './client-options';
import type { Connection } from './connection';
import type { IdSet } from './writes';

type Exclusive = <T>(table: string, ids: IdSet, task: () => Promise<T>) => Promise<T>;

/**
 * Every count once, as `platformId, countId, accepted, segments`: cumulative counts (by log position)
 * as far as they got, per-batch counts (written before) as their first copy. A FROM clause's subquery.
 */
export function countsOnceSql(db: string): string {
  return `SELECT platformId, countId, argMax(accepted, through) AS accepted, argMax(segments, through) AS segments
      FROM ${db}.event_counts_by_position GROUP BY platformId, countId
    UNION ALL
    SELECT platformId, countId, any(accepted) AS accepted, any(segments) AS segments
      FROM ${db}.event_counts GROUP BY platformId, countId`;
}

/**
 * insertEventCounts. Cumulative counts (EventCountRecord.through) go to `event_counts_by_position`, a
 * ReplacingMergeTree(through): merges keep the copy that counts furthest whatever order copies land in
 * (a slow insert of an aggregator the group replaced, or one the client gave up on and the server still
 * ran, can land after a further copy: found in review, when they shared one table whose merges kept the
 * last inserted). A copy is written only if it counts further than the stored ones, which keeps the
 * table small; readers take argMax(…, through). Per-batch counts (no `through`, written before counts
 * were by position) stay in `event_counts`, first copy wins.
 */
export function createCountInsert(opts: {
  conn: Connection;
  db: string;
  exclusive: Exclusive;
  queryIdOf: (table: string, count: number, idAt: (i: number) => string) => string;
}): (rows: EventCountRow[]) => Promise<void> {
  const { conn, db, exclusive, queryIdOf } = opts;

  /** Rows whose id the table holds at `through` or further (-1 for `event_counts`: held at all). */
  async function fresh(table: string, batch: EventCountRow[]): Promise<EventCountRow[]> {
    // Narrowed by platform (the sort key's prefix): a count id names its platform, so no copy of one
    // can name another.
    const stored = await conn.rows<{ countId: string; through: string | number }>(
      'insertEventCounts',
      `SELECT countId, ${table === 'event_counts' ? '-1' : 'max(through)'} AS through FROM ${db}.${table}
       WHERE ${sqlInStringSet('platformId', [...new Set(batch.map((c) => c.platformId))])}
         AND ${sqlInStringSet(
           'countId',
           batch.map((c) => c.countId),
         )}
       GROUP BY countId`,
      ID_CHECK_SETTINGS,
    );
    const held = new Map(stored.map((r) => [r.countId, Number(r.through)]));
    return batch.filter((c) => {
      const have = held.get(c.countId);
      return have === undefined || (c.through ?? -1) > have;
    });
  }

  async function write(table: string, batch: EventCountRow[]): Promise<void> {
    if (batch.length === 0) return;
    await exclusive(table, new Set(batch.map((c) => c.countId)), async () => {
      const rows = await fresh(table, batch);
      if (rows.length === 0) return;
      const queryId = queryIdOf(table, rows.length, (i) => {
        const c = rows[i] as EventCountRow;
        return `${c.countId}@${c.through ?? -1}`;
      });
      await conn.insert(
        'insertEventCounts',
        `${db}.${table}`,
        rows.map((c) => ({
          countId: c.countId,
          platformId: c.platformId,
          day: c.day,
          accepted: c.accepted,
          segments: c.segments ?? -1,
          ...(c.through === undefined ? {} : { through: c.through }),
        })),
        queryId,
      );
    });
  }

  return async (rows: EventCountRow[]): Promise<void> => {
    checkRows('counts', rows, checkEventCount);
    // Per id, the copy that counts furthest (the first of equals; the first copy of a per-batch count).
    const best = new Map<string, EventCountRow>();
    for (const c of rows) if (countSupersedes(c, best.get(c.countId))) best.set(c.countId, c);
    const all = [...best.values()];
    await Promise.all([
      write(
        'event_counts_by_position',
        all.filter((c) => c.through !== undefined),
      ),
      write(
        'event_counts',
        all.filter((c) => c.through === undefined),
      ),
    ]);
  };
}
