import type { Segment } from '@hourglass/events';
import { describe, expect, it } from 'vitest';
import { createClickHouseWarehouse } from './clickhouse/warehouse';
import { createEmbeddedWarehouse } from './embedded/warehouse';
import { testDatabases } from './testing/test-databases';

/**
 * The first day the warehouse stores, 1970-01-01 (a programme zone west of UTC puts the first instants
 * ingest accepts, from 1970-01-02T00:00Z, on it). Found in review: ClickHouse 18.16 prints the Date 0 as
 * "0000-00-00", so its adapter named that day so in session timelines and hours by day, and left its
 * hours out of a learner's totals from that day, where the embedded store says 1970-01-01.
 */
const raw = process.env.CLICKHOUSE_URL;
const TZ = 'America/New_York';
const startMs = Date.UTC(1970, 0, 2, 1, 0, 0); // 1970-01-01 20:00 in New York

const seg: Segment = {
  segmentId: 'seg-first',
  learnerId: 'L1',
  platformId: 'alpha',
  sessionId: 'S1',
  courseId: 'C1',
  deviceId: 'D1',
  occupation: 'unknown',
  region: 'unknown',
  learnerGroup: 'unknown',
  startMs,
  endMs: startMs + 60_000,
  status: 'verified',
  kinds: [],
  flagIds: [],
  eventId: 'e-first',
};

describe.runIf(raw)('the day 1970-01-01 on ClickHouse', () => {
  const { url, creds, database } = testDatabases(raw as string, 'hg_firstday');

  it('a segment on 1970-01-01 is shown on that day, as the embedded store shows it', async () => {
    const w = createClickHouseWarehouse({ url, ...creds, database: database(), timeZone: TZ });
    const e = createEmbeddedWarehouse({ timeZone: TZ });
    await w.migrate();
    for (const x of [w, e]) await x.insertSegments([seg]);
    const q = { fromDay: '1970-01-01', toDay: '1970-01-02', groupBy: ['day' as const], filters: {} };
    const answers = async (x: typeof w) => ({
      hours: await x.queryHours(q),
      oneLearner: await x.queryHours({ ...q, filters: { learnerId: 'L1' } }),
      totals: (await x.learnerTotals('L1', '1970-01-01', '1970-01-01')).rows,
      timeline: (await x.getSession('alpha', 'S1'))?.segments.map((s) => s.day),
    });
    const got = await answers(w);
    await w.close();
    const day = { day: '1970-01-01', verifiedMs: 60_000, pendingMs: 0, rejectedMs: 0, learners: 1 };
    const want = {
      hours: [day],
      oneLearner: [day],
      totals: [{ platformId: 'alpha', courseId: 'C1', verifiedMs: 60_000, pendingMs: 0, rejectedMs: 0 }],
      timeline: ['1970-01-01'],
    };
    expect(await answers(e)).toEqual(want);
    expect(got).toEqual(want);
  });
});
