import type { EventCountRecord } from '@hourglass/events';
import { afterAll, describe, expect, it } from 'vitest';
import { createClickHouseWarehouse } from './clickhouse/warehouse';
import { createEmbeddedWarehouse } from './embedded/warehouse';
import { TZ } from './testing/fixtures';
import { holdingProxy } from './testing/holding-proxy';
import { testDatabases } from './testing/test-databases';
import type { Warehouse } from './types';

/**
 * Cumulative event counts (EventCountRecord.through) written by two writers at once. A copy that passed
 * the insert check (clickhouse/count-insert.ts: written only if it counts further than the stored ones)
 * can reach the server late (a slow insert of an aggregator that the group then replaced, or an insert
 * the client gave up on and the server still ran) and land after a further copy. A proxy in front of
 * ClickHouse holds the first writer's INSERT, so the interleaving is fixed.
 */
const raw = process.env.CLICKHOUSE_URL;

const count = (through: number, accepted: number, segments: number): EventCountRecord => ({
  countId: 'events/0/from-0/alpha/2026-03-01',
  platformId: 'alpha',
  day: '2026-03-01',
  accepted,
  segments,
  through,
});

const acceptedOf = async (w: Warehouse) =>
  (await w.programme()).platforms.find((p) => p.platformId === 'alpha')?.acceptedEvents;

describe.runIf(raw)('cumulative event counts written by two writers at once (ClickHouse)', () => {
  const { url, creds, database, admin } = testDatabases(raw as string, 'fresh_cnt');
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of closers) await c();
  });

  // Found in review when cumulative counts shared event_counts, a ReplacingMergeTree() whose merges keep
  // the last inserted copy: the insert check cannot order an INSERT already on its way. They now have a
  // table of their own, ReplacingMergeTree(through) (migration 0008).
  it('a copy that counts less and lands after a further one does not win the merge: the further one still counts after OPTIMIZE FINAL', async () => {
    const db = database('race');
    const proxy = holdingProxy(new URL(url));
    closers.push(proxy.close);
    const via = await proxy.start();
    const held = proxy.gate(/INSERT[+ ]INTO[+ ][^+ \n]*\.event_counts/);
    const direct = createClickHouseWarehouse({ url, ...creds, database: db, timeZone: TZ });
    const slow = createClickHouseWarehouse({ url: via, ...creds, database: db, timeZone: TZ });
    closers.push(
      () => direct.close(),
      () => slow.close(),
    );
    await direct.migrate();
    await slow.migrate();
    const embedded = createEmbeddedWarehouse({ timeZone: TZ });
    await embedded.migrate();

    const writes: EventCountRecord[][] = [[count(99, 40, 30)], [count(150, 60, 45)], [count(180, 70, 50)]];
    await direct.insertEventCounts(writes[0] as EventCountRecord[]);
    // The slow writer has checked (stored: through 99) and its INSERT of the copy through 150 is on its way.
    const slowDone = slow.insertEventCounts(writes[1] as EventCountRecord[]);
    await held.reached;
    // The other writer stores the copies through 150 and 180.
    await direct.insertEventCounts(writes[1] as EventCountRecord[]);
    await direct.insertEventCounts(writes[2] as EventCountRecord[]);
    held.open();
    await slowDone;
    for (const w of writes) await embedded.insertEventCounts(w);

    const before = await acceptedOf(direct);
    for (const table of ['event_counts', 'event_counts_by_position'])
      await admin.command({ query: `OPTIMIZE TABLE ${db}.${table} FINAL` });
    expect({ before, after: await acceptedOf(direct), embedded: await acceptedOf(embedded) }).toEqual({
      before: 70,
      after: 70,
      embedded: 70,
    });
  });
});
