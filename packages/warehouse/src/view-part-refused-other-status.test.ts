import type { Segment } from '@hourglass/events';
import { describe, expect, it } from 'vitest';
import { createClickHouseWarehouse } from './clickhouse/warehouse';
import { createEmbeddedWarehouse } from './embedded/warehouse';
import { isWarehouseError } from './errors';
import { MIGRATIONS } from './migrations';
import { sqlString } from './sql';
import { SEGMENTS, segment, TZ } from './testing/fixtures';
import { testDatabases } from './testing/test-databases';
import type { HoursQuery, Warehouse } from './types';

/**
 * The two cases by-learner-fill.ts covers one at a time, together: an insert whose `by_learner` part the
 * server refused (view-part-refused.test.ts) is sent again, but with the other status (a detector rebuilding
 * from the log, segment-resent-other-status.test.ts). The stored copy is the one kept, so its hours must
 * reach `by_learner` whatever status the copy sent again says. fillByLearner filled a stored verified
 * segment's hours only when the copy sent again said verified, and a stored withheld one's row only when
 * it said withheld: here it fills nothing, and the stored copy's 30 minutes are in no answer, for good.
 */
const raw = process.env.CLICKHOUSE_URL;

describe.runIf(raw)('a segments insert whose view part was refused, sent again with the other status', () => {
  const { url, creds, admin, database } = testDatabases(raw as string, 'hg_diffrv_viewstatus');
  const verified = segment('s1', 'S1', '2026-03-01T01:00:00Z', 30);
  const withheld = segment('s1', 'S1', '2026-03-01T01:00:00Z', 30, {
    kinds: ['shared_device'],
    flagIds: ['flag-sd'],
  });
  const february = SEGMENTS.filter((s) => s.segmentId === 's8'); // day 2026-02-28, another partition
  const queries: HoursQuery[] = [
    { fromDay: '2026-03-01', toDay: '2026-03-01', groupBy: [], filters: {} },
    { fromDay: '2026-03-01', toDay: '2026-03-01', groupBy: [], filters: { learnerId: 'L1' } },
  ];
  const answers = (w: Warehouse) => Promise.all(queries.map((q) => w.queryHours(q)));

  async function refusedThenResent(first: Segment, again: Segment) {
    const db = database();
    await admin.command({ query: `CREATE DATABASE ${db}` });
    const byLearner = MIGRATIONS[0]?.statements(db).find((s) => s.includes(`${db}.by_learner (`)) as string;
    await admin.command({
      query: byLearner.replace(
        'SETTINGS index_granularity = 1024',
        'SETTINGS index_granularity = 1024, parts_to_delay_insert = 1, parts_to_throw_insert = 1',
      ),
    });
    const w = createClickHouseWarehouse({ url, ...creds, database: db, timeZone: TZ });
    await w.migrate();
    await w.insertSegments(february);
    const refused = await w.insertSegments([first]).then(
      () => 'ok',
      (err: unknown) =>
        isWarehouseError(err, 'unavailable') ? `unavailable ${err.serverCode}` : String(err),
    );
    expect(refused).toBe('unavailable 252');
    // 18.16 keeps the segments part of the refused insert; the current ClickHouse (26.9) keeps neither
    // part, so there the copy sent again is the first one stored.
    const kept = await admin.query({
      query: `SELECT count() AS n FROM ${db}.segments WHERE segmentId = ${sqlString(first.segmentId)}`,
      format: 'JSONEachRow',
    });
    const firstStored = Number(((await kept.json()) as { n: string | number }[])[0]?.n ?? 0) > 0;
    await admin.command({ query: `ALTER TABLE ${db}.by_learner DETACH PARTITION 202602` });
    await w.insertSegments([again]);
    await admin.command({ query: `ALTER TABLE ${db}.by_learner ATTACH PARTITION 202602` });
    const got = await answers(w);
    await w.close();
    const e = createEmbeddedWarehouse({ timeZone: TZ });
    await e.insertSegments(firstStored ? [...february, first] : february);
    await e.insertSegments([again]);
    return { got, expected: await answers(e), firstStored };
  }

  it('a segment stored verified, its by_learner part refused, sent again withheld: 30 min verified', async () => {
    const { got, expected, firstStored } = await refusedThenResent(verified, withheld);
    if (firstStored)
      expect(expected).toEqual([
        [{ verifiedMs: 1_800_000, pendingMs: 0, rejectedMs: 0, learners: 1 }],
        [{ verifiedMs: 1_800_000, pendingMs: 0, rejectedMs: 0, learners: 1 }],
      ]);
    expect(got).toEqual(expected);
  }, 30_000);

  it('a segment stored withheld, its by_learner part refused, sent again verified: 30 min pending', async () => {
    const { got, expected, firstStored } = await refusedThenResent(withheld, verified);
    if (firstStored)
      expect(expected).toEqual([
        [{ verifiedMs: 0, pendingMs: 1_800_000, rejectedMs: 0, learners: 0 }],
        [{ verifiedMs: 0, pendingMs: 1_800_000, rejectedMs: 0, learners: 0 }],
      ]);
    expect(got).toEqual(expected);
  }, 30_000);
});
