import type { Segment } from '@hourglass/events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createClickHouseWarehouse } from './clickhouse/warehouse';
import { createEmbeddedWarehouse } from './embedded/warehouse';
import { MIN, segment, TZ } from './testing/fixtures';
import { testDatabases } from './testing/test-databases';
import type { Warehouse } from './types';

/**
 * insertSegments' duplicate check asks for the ids stored in the batch's time windows, and with
 * several partitions interleaved in time most of what it answers are other partitions' rows (0.48 ids
 * per inserted segment in the aggregator bench). Only the batch's own ids among them may be skipped and
 * filled into by_learner. Batches here mix new rows, rows stored before (some with the other status)
 * and ids repeated within the batch, between rows of other sessions stored at neighbouring times; the
 * ClickHouse answers must be the embedded adapter's.
 */
const raw = process.env.CLICKHOUSE_URL;
const SESSIONS = ['S1', 'S2', 'S3', 'S4'] as const;

/** Segment k of a session: 5 minutes from 01:00 + k·5 min on 2026-03-01, withheld or not. */
const seg = (session: number, k: number, withheld: boolean): Segment =>
  segment(
    `s-${session}-${k}`,
    SESSIONS[session] as (typeof SESSIONS)[number],
    new Date(Date.parse('2026-03-01T01:00:00Z') + k * 5 * MIN + session * 1000).toISOString(),
    5,
    withheld ? { kinds: ['idle'], flagIds: [`flag-${session}`] } : undefined,
  );

const batchArb = fc.array(fc.record({ session: fc.nat(3), k: fc.nat(11), withheld: fc.boolean() }), {
  minLength: 1,
  maxLength: 12,
});

describe.runIf(raw)('duplicate check answering other rows of the batch’s time windows', () => {
  const { url, creds, admin, database } = testDatabases(raw as string, 'hg_check_others');

  const answers = async (w: Warehouse) => ({
    counts: await w.counts(),
    hours: await w.queryHours({
      fromDay: '2026-03-01',
      toDay: '2026-03-01',
      groupBy: ['learner', 'platform'],
      filters: {},
    }),
    totals: await w.learnerTotals('L1', '2026-03-01', '2026-03-01'),
  });

  it('batches interleaved with stored rows of other sessions: the same answers as the embedded adapter', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(batchArb, { minLength: 2, maxLength: 4 }), async (batches) => {
        const db = database();
        await admin.command({ query: `CREATE DATABASE ${db}` });
        const w = createClickHouseWarehouse({ url, ...creds, database: db, timeZone: TZ });
        const e = createEmbeddedWarehouse({ timeZone: TZ });
        try {
          await w.migrate();
          for (const b of batches) {
            const rows = b.map((r) => seg(r.session, r.k, r.withheld));
            await w.insertSegments(rows);
            await e.insertSegments(rows);
          }
          expect(await answers(w)).toEqual(await answers(e));
          const reconciled = await w.reconcile();
          expect(reconciled.duplicateSegmentIds).toBe(0);
          expect(reconciled.mismatchedLearners).toEqual([]);
        } finally {
          await w.close();
          await admin.command({ query: `DROP DATABASE IF EXISTS ${db}` });
        }
      }),
      { numRuns: 12 },
    );
  }, 120_000);
});
