import type { Segment } from '@hourglass/events';
import { sqlDate, sqlNumber } from '../sql';
import { checkSegments } from '../validate';
import type { Connection } from './connection';
import { createFastDayOf, type Day, SEGMENT_COLUMNS_WRITTEN, segmentsRowBinary } from './segment-rows';
import { timeWindows } from './time-windows';
import type { IdSet } from './writes';

type Exclusive = <T>(table: string, ids: IdSet, task: () => Promise<T>) => Promise<T>;

/**
 * insertSegments: validate, drop ids repeated in the batch, ask which ids are stored, insert the rest
 * as one RowBinary request. The hot path of the aggregator, so one Map carries a batch from
 * deduplication to the fresh rows (no per-step sets and copies: ~10 ms less client CPU per 10k).
 *
 * The check asks by position, not by id list: which segment ids are stored on these days between
 * these start times? Sending the batch's 10k ids to 18.16 costs ~250 ms of parsing whatever their
 * form. A segmentId names (platform, session, startMs), so a stored copy of a batch row always has
 * the same start; rows arrive in time order, so a fresh batch's windows hold few stored rows.
 */
export function createSegmentInsert(opts: {
  conn: Connection;
  db: string;
  timeZone: string;
  exclusive: Exclusive;
  queryIdOf: (table: string, ids: readonly string[]) => string;
}): (rows: Segment[]) => Promise<void> {
  const { conn, db, exclusive, queryIdOf } = opts;
  const dayOf = createFastDayOf(opts.timeZone);

  const storedIn = async (starts: Float64Array, days: Set<string>): Promise<string[]> => {
    const windows = timeWindows(starts);
    const sql = `SELECT segmentId FROM ${db}.segments
      WHERE day IN (${[...days].map(sqlDate).join(', ')})
        AND (${windows.map(([a, b]) => `(startMs >= ${sqlNumber(a)} AND startMs <= ${sqlNumber(b)})`).join(' OR ')})`;
    return conn.column('insertSegments', sql);
  };

  return async (rows: Segment[]): Promise<void> => {
    checkSegments(rows);
    // First copy of each id wins, as everywhere.
    const batch = new Map<string, { s: Segment; day: Day }>();
    const starts = new Float64Array(rows.length);
    const days = new Set<string>();
    for (const s of rows) {
      if (batch.has(s.segmentId)) continue;
      const day = dayOf(s.startMs);
      starts[batch.size] = s.startMs;
      batch.set(s.segmentId, { s, day });
      days.add(day.text);
    }
    if (batch.size === 0) return;
    await exclusive('segments', batch, async () => {
      for (const id of await storedIn(starts.subarray(0, batch.size), days)) batch.delete(id);
      if (batch.size === 0) return;
      const queryId = queryIdOf('segments', [...batch.keys()]);
      const body = segmentsRowBinary([...batch.values()]);
      await conn.insertBody(
        'insertSegments',
        `${db}.segments`,
        SEGMENT_COLUMNS_WRITTEN,
        'RowBinary',
        body,
        queryId,
      );
    });
  };
}
