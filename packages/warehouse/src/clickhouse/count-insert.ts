import { countSupersedes } from '@hourglass/events';
import { sqlInStringSet } from '../sql';
import type { EventCountRow } from '../types';
import { checkEventCount, checkRows } from '../validate';
import { ID_CHECK_SETTINGS } from './client-options';
import type { Connection } from './connection';
import type { IdSet } from './writes';

type Exclusive = <T>(table: string, ids: IdSet, task: () => Promise<T>) => Promise<T>;

/** How far a count counts; -1 for a per-batch count (EventCountRecord.through absent). */
const throughOf = (c: EventCountRow): number => c.through ?? -1;

/**
 * insertEventCounts: a row is written only if it counts further than every stored copy of its id
 * (a per-batch count, -1, only if its id is not stored). So the table holds each id's copies in
 * increasing `through`, and the engine's merge, which keeps the last inserted copy, keeps the highest:
 * readers' argMax(…, through) and merges agree, as the embedded store's "keep the highest" does.
 * Writes of the same ids are ordered (`exclusive`), and the aggregator's partitioning gives all
 * copies of a count (keyed by platform) to one writer.
 */
export function createCountInsert(opts: {
  conn: Connection;
  db: string;
  exclusive: Exclusive;
  queryIdOf: (table: string, count: number, idAt: (i: number) => string) => string;
}): (rows: EventCountRow[]) => Promise<void> {
  const { conn, db, exclusive, queryIdOf } = opts;
  return async (rows: EventCountRow[]): Promise<void> => {
    checkRows('counts', rows, checkEventCount);
    // Per id, the copy that counts furthest (the first of equals).
    const best = new Map<string, EventCountRow>();
    for (const c of rows) if (countSupersedes(c, best.get(c.countId))) best.set(c.countId, c);
    if (best.size === 0) return;
    const ids = new Set(best.keys());
    await exclusive('event_counts', ids, async () => {
      const batch = [...best.values()];
      // Narrowed by platform (the sort key's prefix): a count id names its platform, so no copy of one
      // can name another.
      const stored = await conn.rows<{ countId: string; through: string | number }>(
        'insertEventCounts',
        `SELECT countId, max(through) AS through FROM ${db}.event_counts
         WHERE ${sqlInStringSet('platformId', [...new Set(batch.map((c) => c.platformId))])}
           AND ${sqlInStringSet('countId', [...ids])}
         GROUP BY countId`,
        ID_CHECK_SETTINGS,
      );
      const storedThrough = new Map(stored.map((r) => [r.countId, Number(r.through)]));
      const fresh = batch.filter((c) => {
        const have = storedThrough.get(c.countId);
        return have === undefined || throughOf(c) > have;
      });
      if (fresh.length === 0) return;
      const queryId = queryIdOf('event_counts', fresh.length, (i) => {
        const c = fresh[i] as EventCountRow;
        return `${c.countId}@${throughOf(c)}`;
      });
      await conn.insert(
        'insertEventCounts',
        `${db}.event_counts`,
        fresh.map((c) => ({
          countId: c.countId,
          platformId: c.platformId,
          day: c.day,
          accepted: c.accepted,
          segments: c.segments ?? -1,
          through: throughOf(c),
        })),
        queryId,
      );
    });
  };
}
