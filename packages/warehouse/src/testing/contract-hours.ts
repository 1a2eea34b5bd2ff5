import type { CertificateRecord, FlagUpdate, SessionRecord } from '@hourglass/events';
import { expect, it } from 'vitest';
import { isWarehouseError } from '../errors';
import { MIGRATIONS } from '../migrations';
import type { HoursQuery, HoursRow } from '../types';
import type { MakeWarehouse, Setup, WarehouseHarness } from './contract';
import { CERTIFICATES, decision, FLAGS, loadBase, MIN, SEGMENTS, SESSIONS, segment } from './fixtures';

/** An expected hours row: keys as given, times in minutes. */
export function hrs(
  keys: Partial<HoursRow>,
  verifiedMin: number,
  pendingMin: number,
  rejectedMin: number,
  learners: number,
): HoursRow {
  return {
    ...keys,
    verifiedMs: verifiedMin * MIN,
    pendingMs: pendingMin * MIN,
    rejectedMs: rejectedMin * MIN,
    learners,
  };
}

const MARCH = { fromDay: '2026-03-01', toDay: '2026-03-03', filters: {} };

async function expectInvalid(p: Promise<unknown>): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isWarehouseError(err, 'invalid'), `expected WarehouseError('invalid'), got ${String(err)}`).toBe(
    true,
  );
}

export function describeHoursContract(setup: Setup, make: MakeWarehouse, open: WarehouseHarness[]): void {
  it('migrate applies every migration once, then nothing', async () => {
    const h = await make();
    open.push(h);
    expect(await h.warehouse.migrate()).toEqual({ applied: MIGRATIONS.map((m) => m.name) });
    expect(await h.warehouse.migrate()).toEqual({ applied: [] });
  });

  it('hours with no groupBy: one total row, even when nothing matches', async () => {
    const w = await setup();
    expect(await w.queryHours({ ...MARCH, groupBy: [] })).toEqual([hrs({}, 0, 0, 0, 0)]);
    await loadBase(w);
    expect(await w.queryHours({ ...MARCH, groupBy: [] })).toEqual([hrs({}, 165, 21, 0, 3)]);
    expect(
      await w.queryHours({ fromDay: '2026-04-01', toDay: '2026-04-30', groupBy: [], filters: {} }),
    ).toEqual([hrs({}, 0, 0, 0, 0)]);
    expect(await w.queryHours({ ...MARCH, groupBy: ['day'], filters: { platformId: 'nobody' } })).toEqual([]);
  });

  it('hours with a limit: the first rows by the group keys, at most that many; a limit that is not a positive integer is invalid', async () => {
    const w = await setup();
    await loadBase(w);
    expect(await w.queryHours({ ...MARCH, groupBy: ['day'], limit: 2 })).toEqual([
      hrs({ day: '2026-03-01' }, 50, 0, 0, 1),
      hrs({ day: '2026-03-02' }, 55, 21, 0, 2),
    ]);
    expect(await w.queryHours({ ...MARCH, groupBy: ['day'], limit: 3 })).toHaveLength(3);
    expect(await w.queryHours({ ...MARCH, groupBy: ['day'], limit: 4 })).toHaveLength(3);
    expect(await w.queryHours({ ...MARCH, groupBy: [], limit: 1 })).toEqual([hrs({}, 165, 21, 0, 3)]);
    // The one-learner path (a learnerId filter) is bounded too.
    const one = await w.queryHours({ ...MARCH, groupBy: ['day'], filters: { learnerId: 'L2' } });
    expect(
      await w.queryHours({ ...MARCH, groupBy: ['day'], filters: { learnerId: 'L2' }, limit: 1 }),
    ).toEqual(one.slice(0, 1));
    for (const limit of [0, -1, 1.5, Number.NaN, 2 ** 53])
      await expectInvalid(w.queryHours({ ...MARCH, groupBy: ['day'], limit }));
  });

  it('hours grouped by each key, sorted by the keys', async () => {
    const w = await setup();
    await loadBase(w);
    const by = (groupBy: Parameters<typeof w.queryHours>[0]['groupBy']) =>
      w.queryHours({ ...MARCH, groupBy });
    expect(await by(['day'])).toEqual([
      hrs({ day: '2026-03-01' }, 50, 0, 0, 1),
      hrs({ day: '2026-03-02' }, 55, 21, 0, 2),
      hrs({ day: '2026-03-03' }, 60, 0, 0, 1),
    ]);
    expect(await by(['platform'])).toEqual([
      hrs({ platformId: 'alpha' }, 65, 21, 0, 2),
      hrs({ platformId: 'beta' }, 100, 0, 0, 2),
    ]);
    expect(await by(['region'])).toEqual([
      hrs({ region: '110101' }, 90, 10, 0, 1),
      hrs({ region: '310000' }, 15, 11, 0, 1),
      hrs({ region: 'unknown' }, 60, 0, 0, 1),
    ]);
    expect(await by(['occupation'])).toEqual([
      hrs({ occupation: '4-01-02' }, 90, 10, 0, 1),
      hrs({ occupation: '6-02' }, 15, 11, 0, 1),
      hrs({ occupation: 'unknown' }, 60, 0, 0, 1),
    ]);
    expect(await by(['course'])).toEqual([
      hrs({ courseId: 'C1' }, 90, 10, 0, 1),
      hrs({ courseId: 'C2' }, 75, 11, 0, 2),
    ]);
    expect(await by(['learnerGroup'])).toEqual([
      hrs({ learnerGroup: 'graduate' }, 90, 10, 0, 1),
      hrs({ learnerGroup: 'migrant_worker' }, 15, 11, 0, 1),
      hrs({ learnerGroup: 'unknown' }, 60, 0, 0, 1),
    ]);
    expect(await by(['learner'])).toEqual([
      hrs({ learnerId: 'L1' }, 90, 10, 0, 1),
      hrs({ learnerId: 'L2' }, 15, 11, 0, 1),
      hrs({ learnerId: 'L3' }, 60, 0, 0, 1),
    ]);
  });

  it('hours grouped by several keys: canonical key order whatever the groupBy order', async () => {
    const w = await setup();
    await loadBase(w);
    const dayPlatform = [
      hrs({ day: '2026-03-01', platformId: 'alpha' }, 50, 0, 0, 1),
      hrs({ day: '2026-03-02', platformId: 'alpha' }, 15, 21, 0, 1),
      hrs({ day: '2026-03-02', platformId: 'beta' }, 40, 0, 0, 1),
      hrs({ day: '2026-03-03', platformId: 'beta' }, 60, 0, 0, 1),
    ];
    expect(await w.queryHours({ ...MARCH, groupBy: ['day', 'platform'] })).toEqual(dayPlatform);
    expect(await w.queryHours({ ...MARCH, groupBy: ['platform', 'day', 'day'] })).toEqual(dayPlatform);
    expect(await w.queryHours({ ...MARCH, groupBy: ['occupation', 'region'] })).toEqual([
      hrs({ region: '110101', occupation: '4-01-02' }, 90, 10, 0, 1),
      hrs({ region: '310000', occupation: '6-02' }, 15, 11, 0, 1),
      hrs({ region: 'unknown', occupation: 'unknown' }, 60, 0, 0, 1),
    ]);
    const all = await w.queryHours({
      ...MARCH,
      groupBy: ['learner', 'learnerGroup', 'course', 'occupation', 'region', 'platform', 'day'],
    });
    const g = { region: '110101', occupation: '4-01-02', courseId: 'C1', learnerGroup: 'graduate' };
    const l2 = { region: '310000', occupation: '6-02', courseId: 'C2', learnerGroup: 'migrant_worker' };
    const l3 = { region: 'unknown', occupation: 'unknown', courseId: 'C2', learnerGroup: 'unknown' };
    expect(all).toEqual([
      hrs({ day: '2026-03-01', platformId: 'alpha', ...g, learnerId: 'L1' }, 50, 0, 0, 1),
      hrs({ day: '2026-03-02', platformId: 'alpha', ...g, learnerId: 'L1' }, 0, 10, 0, 0),
      hrs({ day: '2026-03-02', platformId: 'alpha', ...l2, learnerId: 'L2' }, 15, 11, 0, 1),
      hrs({ day: '2026-03-02', platformId: 'beta', ...g, learnerId: 'L1' }, 40, 0, 0, 1),
      hrs({ day: '2026-03-03', platformId: 'beta', ...l3, learnerId: 'L3' }, 60, 0, 0, 1),
    ]);
  });

  it('hours filters', async () => {
    const w = await setup();
    await loadBase(w);
    expect(await w.queryHours({ ...MARCH, groupBy: [], filters: { platformId: 'beta' } })).toEqual([
      hrs({}, 100, 0, 0, 2),
    ]);
    expect(await w.queryHours({ ...MARCH, groupBy: ['day'], filters: { learnerId: 'L2' } })).toEqual([
      hrs({ day: '2026-03-02' }, 15, 11, 0, 1),
    ]);
    expect(
      await w.queryHours({ ...MARCH, groupBy: ['platform'], filters: { region: '110101', courseId: 'C1' } }),
    ).toEqual([hrs({ platformId: 'alpha' }, 50, 10, 0, 1), hrs({ platformId: 'beta' }, 40, 0, 0, 1)]);
    expect(
      await w.queryHours({
        ...MARCH,
        groupBy: ['learner'],
        filters: { learnerGroup: 'unknown', occupation: 'unknown', platformId: undefined },
      }),
    ).toEqual([hrs({ learnerId: 'L3' }, 60, 0, 0, 1)]);
  });

  it('hours filters, each alone: only the rows with that value count', async () => {
    const w = await setup();
    await loadBase(w);
    // Unfiltered: 165 verified, 21 pending, 3 learners. Every filter below selects a strict subset, so
    // a filter that is ignored answers the unfiltered total instead.
    const cases: [HoursQuery['filters'], HoursRow][] = [
      [{ platformId: 'alpha' }, hrs({}, 65, 21, 0, 2)],
      [{ region: '110101' }, hrs({}, 90, 10, 0, 1)],
      [{ occupation: '6-02' }, hrs({}, 15, 11, 0, 1)],
      [{ courseId: 'C1' }, hrs({}, 90, 10, 0, 1)],
      [{ learnerGroup: 'migrant_worker' }, hrs({}, 15, 11, 0, 1)],
      [{ learnerId: 'L3' }, hrs({}, 60, 0, 0, 1)],
    ];
    for (const [filters, row] of cases) {
      expect(await w.queryHours({ ...MARCH, groupBy: [], filters }), JSON.stringify(filters)).toEqual([row]);
    }
  });

  it('days are inclusive and in the programme time zone', async () => {
    const w = await setup();
    await loadBase(w);
    const range = (fromDay: string, toDay: string) =>
      w.queryHours({ fromDay, toDay, groupBy: ['day'], filters: {} });
    // s8 starts 2026-02-28T15:59Z = 23:59 in Shanghai; s3 starts 2026-03-01T16:30Z = 00:30 on 03-02.
    expect(await range('2026-02-28', '2026-02-28')).toEqual([hrs({ day: '2026-02-28' }, 1, 0, 0, 1)]);
    expect(await range('2026-03-02', '2026-03-02')).toEqual([hrs({ day: '2026-03-02' }, 55, 21, 0, 2)]);
    expect(await range('2026-03-01', '2026-03-01')).toEqual([hrs({ day: '2026-03-01' }, 50, 0, 0, 1)]);
    expect(await range('2026-02-01', '2026-03-01')).toEqual([
      hrs({ day: '2026-02-28' }, 1, 0, 0, 1),
      hrs({ day: '2026-03-01' }, 50, 0, 0, 1),
    ]);
  });

  it('inserts are idempotent: the same batch twice, an overlapping batch', async () => {
    const w = await setup();
    await loadBase(w);
    await loadBase(w);
    const before = await w.queryHours({ ...MARCH, groupBy: ['day', 'learner'] });
    // A redelivered batch that overlaps the first (s4..s9) and carries two new segments.
    const extra = [
      segment('s10', 'S2', '2026-03-03T05:00:00Z', 7),
      segment('s11', 'S2', '2026-03-03T05:07:00Z', 3, { kinds: ['idle'], flagIds: ['flag-e'] }),
    ];
    await w.insertSegments([...SEGMENTS.slice(3), ...extra, ...SEGMENTS.slice(5)]);
    await w.insertSegments(extra);
    expect(await w.queryHours({ ...MARCH, groupBy: [] })).toEqual([hrs({}, 172, 24, 0, 3)]);
    const after = await w.queryHours({ ...MARCH, groupBy: ['day', 'learner'] });
    expect(after.filter((r) => !(r.day === '2026-03-03' && r.learnerId === 'L1'))).toEqual(before);
    expect(after).toContainEqual(hrs({ day: '2026-03-03', learnerId: 'L1' }, 7, 3, 0, 1));
    await w.upsertFlags(FLAGS);
    expect(await w.counts()).toEqual({ segments: 11, flags: 4, decisions: 0, rejected: 0 });
    expect(await w.reconcile()).toEqual({
      duplicateSegmentIds: 0,
      mismatchedLearners: [],
      segmentsByPlatform: [],
    });
  });

  it('a segment id sent again with other content: the first copy stands, in a later batch and in the same one', async () => {
    const w = await setup();
    const idle = { kinds: ['idle' as const], flagIds: ['flag-a'] };
    await w.insertSegments([segment('s1', 'S1', '2026-03-01T01:00:00Z', 30)]);
    await w.insertSegments([segment('s1', 'S1', '2026-03-01T01:00:00Z', 30, idle)]);
    await w.insertSegments([
      segment('s4', 'S2', '2026-03-02T02:00:00Z', 40, idle),
      segment('s4', 'S2', '2026-03-02T02:00:00Z', 40),
    ]);
    expect(await w.queryHours({ ...MARCH, groupBy: ['day'] })).toEqual([
      hrs({ day: '2026-03-01' }, 30, 0, 0, 1),
      hrs({ day: '2026-03-02' }, 0, 40, 0, 0),
    ]);
    expect(await w.counts()).toMatchObject({ segments: 2 });
  });

  it('invalid input is refused as a whole with WarehouseError("invalid")', async () => {
    const w = await setup();
    const bad = {
      ...segment('s-bad', 'S1', '2026-03-01T01:00:00Z', 5),
      platformId: "alpha'; DROP TABLE x --",
    };
    await expectInvalid(w.insertSegments([segment('s-ok', 'S1', '2026-03-01T02:00:00Z', 5), bad]));
    await expectInvalid(w.insertSegments([{ ...segment('s-x', 'S1', '2026-03-01T01:00:00Z', 5), endMs: 0 }]));
    await expectInvalid(
      w.insertSegments([{ ...segment('s-y', 'S1', '2026-03-01T01:00:00Z', 5), status: 'withheld' }]),
    );
    // Kinds and flags are empty iff verified, and a withheld segment has 1..5 flags (one per kind).
    await expectInvalid(
      w.insertSegments([{ ...segment('s-z', 'S1', '2026-03-01T01:00:00Z', 5), kinds: ['idle'] }]),
    );
    const sixFlags = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6'];
    await expectInvalid(
      w.insertSegments([
        segment('s-w', 'S1', '2026-03-01T01:00:00Z', 5, { kinds: ['idle'], flagIds: sixFlags }),
      ]),
    );
    expect(await w.counts()).toEqual({ segments: 0, flags: 0, decisions: 0, rejected: 0 });
    await expectInvalid(w.queryHours({ ...MARCH, groupBy: [], filters: { learnerId: "x' OR 1=1 --" } }));
    await expectInvalid(w.queryHours({ ...MARCH, groupBy: ['week' as 'day'] }));
    await expectInvalid(w.queryHours({ ...MARCH, groupBy: [], filters: { deviceId: 'D1' } as never }));
    await expectInvalid(
      w.queryHours({ fromDay: '2026-03-05', toDay: '2026-03-01', groupBy: [], filters: {} }),
    );
    await expectInvalid(
      w.queryHours({ fromDay: '2026-02-30', toDay: '2026-03-01', groupBy: [], filters: {} }),
    );
    // A record with a key its message does not have is not a pipeline message: refused by both adapters
    // (ClickHouse's JSONEachRow would refuse it as an unexpected error, which the aggregator retries).
    const extra = { extra: 1 } as object;
    await expectInvalid(w.upsertSessions([{ ...(SESSIONS.S1 as SessionRecord), ...extra }]));
    await expectInvalid(w.insertCertificates([{ ...(CERTIFICATES[0] as CertificateRecord), ...extra }]));
    await expectInvalid(
      w.insertDecisions([
        { ...decision('d1', 'flag-a', 'approve', '2026-03-05T00:00:00Z', '2026-03-05T00:00:00Z'), ...extra },
      ]),
    );
    await expectInvalid(w.upsertFlags([{ ...(FLAGS[0] as FlagUpdate), ...extra }]));
    await expectInvalid(
      w.insertEventCounts([
        { countId: 'k-1', platformId: 'alpha', day: '2026-03-01', accepted: 5, ...extra },
      ]),
    );
    expect(await w.counts()).toEqual({ segments: 0, flags: 0, decisions: 0, rejected: 0 });
    await expectInvalid(w.learnerTotals('L1\u0000'));
    await expectInvalid(w.getSession('Alpha', 'S1'));
    await expectInvalid(w.listFlags({ scope: '*', limit: 0 }));
    await expectInvalid(w.listFlags({ scope: '*', limit: 10, cursor: 'not a cursor' }));
  });

  it('a closed warehouse refuses work with WarehouseError("closed")', async () => {
    const w = await setup();
    await w.close();
    const err = await w.counts().then(
      () => null,
      (e: unknown) => e,
    );
    expect(isWarehouseError(err, 'closed')).toBe(true);
    const pinged = await w.ping().then(
      () => null,
      (e: unknown) => e,
    );
    expect(isWarehouseError(pinged, 'closed')).toBe(true);
  });

  it('ping resolves on an open warehouse', async () => {
    const w = await setup();
    await expect(w.ping()).resolves.toBeUndefined();
  });
}
