import type { Segment } from '@hourglass/events';
import { WarehouseError } from '../errors';
import { sqlDate, sqlNumber } from '../sql';
import { checkSegments } from '../validate';
import { fillByLearner, type StoredAgain } from './by-learner-fill';
import type { Connection } from './connection';
import { segmentOrder } from './segment-order';
import { createFastDayOf, SEGMENT_COLUMNS_WRITTEN, segmentsRowBinary } from './segment-rows';
import { timeWindows } from './time-windows';
import type { IdSet } from './writes';

/** Far above a normal check (milliseconds), far below a Kafka session timeout (30 s by default). */
export const DEFAULT_MAX_CHECK_AGE_MS = 5000;

type Exclusive = <T>(table: string, ids: IdSet, task: () => Promise<T>) => Promise<T>;

/**
 * insertSegments: validate, drop ids repeated in the batch, put the rest in the table's sort order,
 * ask which ids are stored, insert the others as one RowBinary request. The hot path of the
 * aggregator: per row it keeps one Set entry and a few typed-array slots, no objects.
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
  queryIdOf: (table: string, count: number, idAt: (i: number) => string) => string;
  /** A duplicate check answered later than this after it was asked is asked again (default 5 s). */
  maxCheckAgeMs?: number;
}): (rows: Segment[]) => Promise<void> {
  const { conn, db, exclusive, queryIdOf } = opts;
  const maxCheckAgeMs = opts.maxCheckAgeMs ?? DEFAULT_MAX_CHECK_AGE_MS;
  const dayOf = createFastDayOf(opts.timeZone);
  // Buffers of bodies already sent, for the next bodies (segmentsRowBinary's `memory`): one per
  // insert in flight at most. A failed insert's buffer is dropped, in case its request still holds it.
  const spare: { buf: Buffer }[] = [];

  const storedIn = async (starts: Float64Array, days: Set<string>): Promise<string[]> => {
    const windows = timeWindows(starts);
    const sql = `SELECT segmentId FROM ${db}.segments
      WHERE day IN (${[...days].map(sqlDate).join(', ')})
        AND (${windows.map(([a, b]) => `(startMs >= ${sqlNumber(a)} AND startMs <= ${sqlNumber(b)})`).join(' OR ')})`;
    return conn.column('insertSegments', sql);
  };

  /**
   * storedIn, answered within MAX_CHECK_AGE_MS of asking. A check answered late describes the table as
   * it was when asked: if this process stalled meanwhile (a slow server or network, a long GC pause,
   * all without Kafka heartbeats), its partitions may have moved and their next owner stored the same
   * rows. Inserting them again would double their hours in by_learner for good (found in review with
   * two aggregators and one 15 s stall). So a late answer is asked again. An INSERT that stalls as long
   * after a fresh check can still land after the next owner's: that window is left (README).
   */
  const storedInRecently = async (starts: Float64Array, days: Set<string>): Promise<string[]> => {
    for (let attempt = 1; ; attempt++) {
      const asked = Date.now();
      const stored = await storedIn(starts, days);
      if (Date.now() - asked <= maxCheckAgeMs) return stored;
      if (attempt >= 3) {
        throw new WarehouseError(
          'unavailable',
          `insertSegments: the duplicate check took over ${maxCheckAgeMs} ms ${attempt} times`,
        );
      }
    }
  };

  return async (rows: Segment[]): Promise<void> => {
    checkSegments(rows);
    // First copy of each id wins, as everywhere. One pass also notes each kept row's start and day
    // (a pass over 50k rows costs its cache misses whatever it does).
    const ids = new Set<string>();
    const batch: Segment[] = [];
    const starts = new Float64Array(rows.length);
    const dayNumbers = new Uint16Array(rows.length);
    const days = new Set<string>();
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    let lastDay = '';
    for (const s of rows) {
      const before = ids.size;
      ids.add(s.segmentId);
      if (ids.size === before) continue;
      const start = s.startMs;
      const day = dayOf(start);
      starts[batch.length] = start;
      dayNumbers[batch.length] = day.number;
      batch.push(s);
      if (day.text !== lastDay) days.add(day.text);
      lastDay = day.text;
      if (start < first) first = start;
      if (start > last) last = start;
    }
    if (batch.length === 0) return;
    const order = segmentOrder(batch, dayNumbers.subarray(0, batch.length));
    const held: IdSet = {
      has: (id) => ids.has(id),
      keys: () => ids.keys(),
      size: ids.size,
      starts: [first, last],
    };
    await exclusive('segments', held, async () => {
      const stored = await storedInRecently(starts.subarray(0, batch.length), days);
      // The check's windows also hold rows of other partitions stored meanwhile: in the aggregator
      // bench it answered 0.48 ids per inserted segment, almost none of them the batch's. Only the
      // batch's own matter, so they are picked with the batch's id set instead of indexing every
      // answer and looking every batch row up in that twice (this closure's self time fell from 0.84
      // to ~0.5 µs per segment in profiles of a 1M-segment bench run).
      const have = new Set<string>();
      for (const id of stored) if (ids.has(id)) have.add(id);
      let fresh = order;
      if (have.size > 0) {
        fresh = order.filter((i) => !have.has((batch[i] as Segment).segmentId));
        // Rows stored by an earlier attempt whose by_learner part may have been refused: fill that in.
        const again: StoredAgain[] = [];
        for (const i of order) {
          const segment = batch[i] as Segment;
          if (!have.has(segment.segmentId)) continue;
          again.push({ segment, dayNumber: dayNumbers[i] as number, dayText: dayOf(segment.startMs).text });
        }
        await fillByLearner({ conn, db, stored: again });
        if (fresh.length === 0) return;
      }
      const queryId = queryIdOf(
        'segments',
        fresh.length,
        (k) => (batch[fresh[k] as number] as Segment).segmentId,
      );
      const memory = spare.pop() ?? { buf: Buffer.alloc(0) };
      const body = segmentsRowBinary(batch, dayNumbers, fresh, memory);
      await conn.insertBody(
        'insertSegments',
        `${db}.segments`,
        SEGMENT_COLUMNS_WRITTEN,
        'RowBinary',
        body,
        queryId,
      );
      if (spare.length < 2) spare.push(memory);
    });
  };
}
