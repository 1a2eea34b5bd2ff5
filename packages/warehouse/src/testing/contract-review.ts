import { expect, it } from 'vitest';
import type { FlagView, ListFlagsQuery, Warehouse } from '../types';
import type { Setup } from './contract';
import { hrs } from './contract-hours';
import { at, decision, FLAGS, flag, loadBase, MIN, SEGMENTS, SESSIONS, segment } from './fixtures';

const MARCH = { fromDay: '2026-03-01', toDay: '2026-03-03', filters: {} };

const total = (w: Warehouse) => w.queryHours({ ...MARCH, groupBy: [] });

/** Every page of a listing, following cursors until none is left. */
async function allPages(w: Warehouse, q: Omit<ListFlagsQuery, 'cursor'>): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 50; i++) {
    const page = await w.listFlags(cursor === undefined ? q : { ...q, cursor });
    pages.push(page.flags.map((f) => f.flagId));
    if (page.nextCursor === null) return pages;
    cursor = page.nextCursor;
  }
  throw new Error('listing did not end');
}

/** Extra flags for listing: ties on firstAtMs are ordered by flagId DESC. */
const LISTING = [
  flag('flag-e', 'idle', 'S2', '2026-03-02T04:00:00Z', '2026-03-02T04:00:00Z', 0), // same firstAt as flag-c
  flag('flag-f', 'late_report', 'S1', '2026-03-01T16:30:00Z', '2026-03-01T16:30:00Z', 0), // same as flag-a
  flag('flag-g', 'shared_device', 'S4', '2026-03-04T00:00:00Z', '2026-03-04T00:00:00Z', 0),
];
/** firstAtMs DESC, flagId DESC. */
const ORDER = ['flag-g', 'flag-d', 'flag-e', 'flag-c', 'flag-b', 'flag-f', 'flag-a'];

export function describeReviewContract(setup: Setup): void {
  it('approve: pending becomes verified by exactly the flag’s withheld time', async () => {
    const w = await setup();
    await loadBase(w);
    expect(await total(w)).toEqual([hrs({}, 165, 21, 0, 3)]);
    await w.insertDecisions([
      decision('d1', 'flag-a', 'approve', '2026-03-05T00:00:00Z', '2026-03-01T16:40:00Z'),
    ]);
    expect(await total(w)).toEqual([hrs({}, 175, 11, 0, 3)]);
    const f = (await w.getFlag('flag-a')) as FlagView;
    expect(f.status).toBe('approved');
    expect(f.decidedUntilMs).toBe(at('2026-03-01T16:40:00Z'));
    expect(f.decisions.map((d) => d.decisionId)).toEqual(['d1']);
    // The same decision delivered again changes nothing.
    await w.insertDecisions([
      decision('d1', 'flag-a', 'approve', '2026-03-05T00:00:00Z', '2026-03-01T16:40:00Z'),
    ]);
    expect(await total(w)).toEqual([hrs({}, 175, 11, 0, 3)]);
  });

  it('reject: withheld time becomes rejected; a rejected flag on a two-flag segment rejects it', async () => {
    const w = await setup();
    await loadBase(w);
    await w.insertDecisions([
      decision('d1', 'flag-b', 'reject', '2026-03-05T00:00:00Z', '2026-03-02T04:06:00Z'),
    ]);
    expect(await total(w)).toEqual([hrs({}, 165, 10, 11, 3)]);
    expect((await w.getFlag('flag-b'))?.status).toBe('rejected');
    expect((await w.getFlag('flag-c'))?.status).toBe('open');
  });

  it('a rejected first flag on a two-flag segment rejects it while the other flag is open (not pending)', async () => {
    const w = await setup();
    await loadBase(w);
    // s9 (6 min) carries flagIds ['flag-c', 'flag-b']; only flag-c is decided.
    await w.insertDecisions([
      decision('d1', 'flag-c', 'reject', '2026-03-05T00:00:00Z', '2026-03-02T04:06:00Z'),
    ]);
    expect(await total(w)).toEqual([hrs({}, 165, 15, 6, 3)]);
  });

  it('approve, then more withheld time: the flag reopens, new part pending, old part stays verified', async () => {
    const w = await setup();
    await loadBase(w);
    await w.insertDecisions([
      decision('d1', 'flag-a', 'approve', '2026-03-05T00:00:00Z', '2026-03-01T16:40:00Z'),
    ]);
    await w.insertSegments([
      segment('s10', 'S1', '2026-03-02T05:00:00Z', 8, { kinds: ['idle'], flagIds: ['flag-a'] }),
    ]);
    await w.upsertFlags([
      flag('flag-a', 'idle', 'S1', '2026-03-01T16:30:00Z', '2026-03-02T05:08:00Z', 18, 2),
    ]);
    expect(await total(w)).toEqual([hrs({}, 175, 19, 0, 3)]);
    const f = (await w.getFlag('flag-a')) as FlagView;
    expect([f.status, f.decidedUntilMs, f.version, f.withheldMs]).toEqual([
      'open',
      at('2026-03-01T16:40:00Z'),
      2,
      18 * 60_000,
    ]);
    // The listings filter on the same status as the flag's view (the ClickHouse adapter computes it in SQL).
    const listed = async (status: 'open' | 'approved' | 'rejected') =>
      (await w.listFlags({ scope: '*', status, kind: 'idle', limit: 100 })).flags.map((x) => x.flagId);
    expect((await listed('open')).includes('flag-a')).toBe(true);
    expect((await listed('approved')).includes('flag-a')).toBe(false);
    // An older version arriving late does not win.
    await w.upsertFlags([FLAGS[0] as (typeof FLAGS)[0]]);
    expect((await w.getFlag('flag-a'))?.version).toBe(2);
    // Deciding again covers the new part; the first decision still governs the old one.
    await w.insertDecisions([
      decision('d2', 'flag-a', 'reject', '2026-03-06T00:00:00Z', '2026-03-02T05:08:00Z'),
    ]);
    expect(await total(w)).toEqual([hrs({}, 175, 11, 8, 3)]);
    expect((await w.getFlag('flag-a'))?.status).toBe('rejected');
    expect([
      (await listed('open')).includes('flag-a'),
      (await listed('rejected')).includes('flag-a'),
    ]).toEqual([false, true]);
  });

  it('a flag that withholds nothing stays decided when it occurs again: only new withheld time reopens a flag', async () => {
    const w = await setup();
    await loadBase(w);
    const seek = (version: number, lastIso: string) => ({
      ...flag('flag-s', 'seek_ahead', 'S1', '2026-03-01T16:10:00Z', lastIso, 0, version),
      occurrences: version,
    });
    await w.upsertFlags([seek(1, '2026-03-01T16:10:00Z')]);
    await w.insertDecisions([
      decision('d1', 'flag-s', 'reject', '2026-03-05T00:00:00Z', '2026-03-01T16:10:00Z'),
    ]);
    // The learner seeks ahead again after the decision: one more occurrence, nothing withheld.
    await w.upsertFlags([seek(2, '2026-03-05T09:00:00Z')]);
    const f = (await w.getFlag('flag-s')) as FlagView;
    expect([f.status, f.occurrences, f.withheldMs]).toEqual(['rejected', 2, 0]);
    const listed = async (status: 'open' | 'rejected') =>
      (await w.listFlags({ scope: '*', status, kind: 'seek_ahead', limit: 100 })).flags.map((x) => x.flagId);
    // flag-d is the base data's own seek_ahead flag, never decided.
    expect([await listed('open'), await listed('rejected')]).toEqual([['flag-d'], ['flag-s']]);
    expect(await total(w)).toEqual([hrs({}, 165, 21, 0, 3)]);
  });

  it('a decision resent naming another flag is the same decision: the first copy stands', async () => {
    const w = await setup();
    await loadBase(w);
    const d = decision('d1', 'flag-a', 'reject', '2026-03-05T00:00:00Z', '2026-03-01T16:40:00Z');
    await w.insertDecisions([d]);
    await w.insertDecisions([{ ...d, flagId: 'flag-b' }]);
    expect((await w.getFlag('flag-a'))?.decisions.map((x) => x.decisionId)).toEqual(['d1']);
    expect((await w.getFlag('flag-b'))?.decisions).toEqual([]);
    expect((await w.getFlag('flag-b'))?.status).toBe('open');
  });

  it('a segment with two flags needs both approved', async () => {
    const w = await setup();
    await loadBase(w);
    await w.insertDecisions([
      decision('d1', 'flag-c', 'approve', '2026-03-05T00:00:00Z', '2026-03-02T04:06:00Z'),
    ]);
    expect(await total(w)).toEqual([hrs({}, 165, 21, 0, 3)]);
    await w.insertDecisions([
      decision('d2', 'flag-b', 'approve', '2026-03-05T01:00:00Z', '2026-03-02T04:06:00Z'),
    ]);
    expect(await total(w)).toEqual([hrs({}, 176, 10, 0, 3)]);
  });

  it('the first decision covering a segment governs it; ties on atMs go by decisionId', async () => {
    const w = await setup();
    await loadBase(w);
    await w.insertDecisions([
      // Later decision listed first: order of arrival must not matter.
      decision('d2', 'flag-b', 'approve', '2026-03-05T02:00:00Z', '2026-03-02T04:06:00Z'),
      decision('d1', 'flag-b', 'reject', '2026-03-05T01:00:00Z', '2026-03-02T03:20:00Z'),
      decision('d-b', 'flag-c', 'reject', '2026-03-05T03:00:00Z', '2026-03-02T04:06:00Z'),
      decision('d-a', 'flag-c', 'approve', '2026-03-05T03:00:00Z', '2026-03-02T04:06:00Z'),
    ]);
    // s6 (5 min, flag-b): d1 reject governs. s9 (6 min, flag-c + flag-b): d-a approve, d2 approve.
    expect(await total(w)).toEqual([hrs({}, 171, 10, 5, 3)]);
    const b = (await w.getFlag('flag-b')) as FlagView;
    expect([b.status, b.decisions.map((d) => d.decisionId)]).toEqual(['approved', ['d1', 'd2']]);
    // Two decisions covering the same time at the same moment (two API processes racing): the flag
    // shows the one that governs its time, as the hours count it, not the one sorted last.
    const c = (await w.getFlag('flag-c')) as FlagView;
    expect([c.status, c.decisions.map((d) => d.decisionId)]).toEqual(['approved', ['d-a', 'd-b']]);
    const listed = async (status: 'approved' | 'rejected') =>
      (await w.listFlags({ scope: '*', status, limit: 100 })).flags.map((f) => f.flagId);
    expect(await listed('approved')).toEqual(['flag-c', 'flag-b']);
    expect(await listed('rejected')).toEqual([]);
  });

  it('a flag is decided up to the furthest cover of its decisions, even when the later decision covers less', async () => {
    const w = await setup();
    await loadBase(w);
    // Two API processes racing: the one that read the flag later (cover 16:40, all of s3) recorded first;
    // the other (cover 16:35) recorded 1 s later. Nothing of flag-a lies past 16:40: it is decided.
    await w.insertDecisions([
      decision('d1', 'flag-a', 'approve', '2026-03-05T00:00:00Z', '2026-03-01T16:40:00Z'),
      decision('d2', 'flag-a', 'reject', '2026-03-05T00:00:01Z', '2026-03-01T16:35:00Z'),
    ]);
    // s3 (10 min, ends 16:40): d1 is the first decision reaching its end, so it is verified.
    expect(await total(w)).toEqual([hrs({}, 175, 11, 0, 3)]);
    const a = (await w.getFlag('flag-a')) as FlagView;
    expect([a.status, a.decidedUntilMs, a.decisions.map((d) => d.decisionId)]).toEqual([
      'approved',
      at('2026-03-01T16:40:00Z'),
      ['d1', 'd2'],
    ]);
    const listed = (await w.listFlags({ scope: '*', status: 'approved', limit: 100 })).flags;
    expect(listed.map((f) => [f.flagId, f.decidedUntilMs])).toEqual([['flag-a', at('2026-03-01T16:40:00Z')]]);
  });

  it('one learner’s hours and totals agree with the programme-wide rows after decisions', async () => {
    const w = await setup();
    await loadBase(w);
    await w.insertDecisions([
      decision('d1', 'flag-a', 'approve', '2026-03-05T00:00:00Z', '2026-03-01T16:40:00Z'),
      decision('d2', 'flag-b', 'reject', '2026-03-05T00:00:00Z', '2026-03-02T04:06:00Z'),
    ]);
    const keys = ['day', 'platform', 'region', 'occupation', 'course', 'learnerGroup', 'learner'] as const;
    const all = await w.queryHours({ ...MARCH, groupBy: [...keys] });
    expect(all.reduce((t, r) => t + r.rejectedMs, 0)).toBe(11 * MIN);
    for (const learnerId of ['L1', 'L2', 'L3', 'L-none']) {
      const mine = all.filter((r) => r.learnerId === learnerId);
      const filters = { learnerId };
      expect(await w.queryHours({ ...MARCH, groupBy: [...keys], filters })).toEqual(mine);
      const sum = (k: 'verifiedMs' | 'pendingMs' | 'rejectedMs') => mine.reduce((t, r) => t + r[k], 0);
      const verifiedMs = sum('verifiedMs');
      expect(await w.queryHours({ ...MARCH, groupBy: [], filters })).toEqual([
        {
          verifiedMs,
          pendingMs: sum('pendingMs'),
          rejectedMs: sum('rejectedMs'),
          learners: verifiedMs > 0 ? 1 : 0,
        },
      ]);
      const courses = new Map<
        string,
        { platformId: string; courseId: string; verifiedMs: number; pendingMs: number; rejectedMs: number }
      >();
      for (const r of mine) {
        const key = `${r.platformId}/${r.courseId}`;
        const c = courses.get(key) ?? {
          platformId: r.platformId as string,
          courseId: r.courseId as string,
          verifiedMs: 0,
          pendingMs: 0,
          rejectedMs: 0,
        };
        c.verifiedMs += r.verifiedMs;
        c.pendingMs += r.pendingMs;
        c.rejectedMs += r.rejectedMs;
        courses.set(key, c);
      }
      const expected = [...courses.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, c]) => c);
      expect((await w.learnerTotals(learnerId, MARCH.fromDay, MARCH.toDay)).rows).toEqual(expected);
    }
  });

  it('listFlags: order, filters, scope, and cursor pages that neither skip nor repeat', async () => {
    const w = await setup();
    await loadBase(w);
    await w.upsertFlags(LISTING);
    await w.insertDecisions([
      decision('d1', 'flag-a', 'approve', '2026-03-05T00:00:00Z', '2026-03-01T16:40:00Z'),
    ]);
    await w.insertDecisions([
      decision('d2', 'flag-b', 'reject', '2026-03-05T00:00:00Z', '2026-03-02T04:06:00Z'),
    ]);
    const all = await w.listFlags({ scope: '*', limit: 1000 });
    expect(all.flags.map((f) => f.flagId)).toEqual(ORDER);
    expect(all.nextCursor).toBeNull();
    for (const limit of [1, 2, 3, 7]) {
      const pages = await allPages(w, { scope: '*', limit });
      expect(pages.flat()).toEqual(ORDER);
      expect(pages.every((p) => p.length <= limit)).toBe(true);
    }
    expect((await allPages(w, { scope: ['beta'], limit: 2 })).flat()).toEqual(['flag-g', 'flag-d', 'flag-e']);
    expect((await w.listFlags({ scope: [], limit: 10 })).flags).toEqual([]);
    const ids = async (q: Omit<ListFlagsQuery, 'limit'>) =>
      (await w.listFlags({ ...q, limit: 1000 })).flags.map((f) => f.flagId);
    expect(await ids({ scope: '*', status: 'approved' })).toEqual(['flag-a']);
    expect(await ids({ scope: '*', status: 'rejected' })).toEqual(['flag-b']);
    expect(await ids({ scope: ['alpha'], status: 'open' })).toEqual(['flag-c', 'flag-f']);
    expect((await allPages(w, { scope: '*', status: 'open', limit: 2 })).flat()).toEqual([
      'flag-g',
      'flag-d',
      'flag-e',
      'flag-c',
      'flag-f',
    ]);
    expect(await ids({ scope: '*', kind: 'idle' })).toEqual(['flag-e', 'flag-a']);
    expect(await ids({ scope: '*', platformId: 'beta', kind: 'idle' })).toEqual(['flag-e']);
    expect(await ids({ scope: ['alpha'], platformId: 'beta' })).toEqual([]);
    expect(await ids({ scope: '*', learnerId: 'L2' })).toEqual(['flag-c', 'flag-b']);
    const a = all.flags.find((f) => f.flagId === 'flag-a');
    expect(a).toEqual({
      ...FLAGS[0],
      status: 'approved',
      decidedUntilMs: at('2026-03-01T16:40:00Z'),
      decisions: [decision('d1', 'flag-a', 'approve', '2026-03-05T00:00:00Z', '2026-03-01T16:40:00Z')],
    });
  });

  it('listFlags: nextCursor is null when a page holds exactly the last matching flags', async () => {
    const w = await setup();
    await loadBase(w);
    const page = await w.listFlags({ scope: '*', limit: FLAGS.length });
    expect(page.flags).toHaveLength(FLAGS.length);
    expect(page.nextCursor).toBeNull();
  });

  // Found in review: the adapters disagreed (ClickHouse showed the latest record's learner, the embedded
  // store every learner); ClickHouse's merges keep only the latest session record, so both follow it.
  it('getSession of a session id a platform reused for a second learner shows the latest record’s learner', async () => {
    const w = await setup();
    const s1 = SESSIONS.S1 as NonNullable<typeof SESSIONS.S1>;
    const mine = segment('s1', 'S1', '2026-03-01T01:00:00Z', 30);
    const other = { ...segment('s1-other', 'S1', '2026-03-01T02:00:00Z', 20), learnerId: 'L9' };
    await w.insertSegments([mine, other]);
    await w.upsertSessions([
      { ...s1, version: 1 },
      { ...s1, learnerId: 'L9', startMs: other.startMs, version: 2 },
    ]);
    expect((await w.getSession('alpha', 'S1'))?.segments.map((s) => s.segmentId)).toEqual(['s1-other']);
  });

  // Found in review: with a learnerId filter ClickHouse picked among that learner's rows only, so it listed
  // a flag whose latest version (the one shown) names another learner, and the embedded store did not.
  it('listFlags by learnerId matches the learner of the flag’s latest version, as the listing shows it (session id reused)', async () => {
    const w = await setup();
    const first = flag('flag-x', 'late_report', 'S1', '2026-03-01T01:00:00Z', '2026-03-01T01:10:00Z', 5);
    const later = { ...first, learnerId: 'L9', lastAtMs: at('2026-03-01T02:10:00Z'), version: 2 };
    await w.upsertFlags([first, later]);
    const listed = async (learnerId: string) =>
      (await w.listFlags({ scope: '*', learnerId, limit: 10 })).flags.map((f) => [f.flagId, f.learnerId]);
    expect(await listed('L9')).toEqual([['flag-x', 'L9']]);
    expect(await listed('L1')).toEqual([]);
    expect(await w.listFlags({ scope: '*', learnerId: 'L1', status: 'open', limit: 10 })).toEqual({
      flags: [],
      nextCursor: null,
    });
  });

  it('getFlag and getSession: latest versions, segments with day and effective status', async () => {
    const w = await setup();
    expect(await w.getFlag('flag-a')).toBeNull();
    expect(await w.getSession('alpha', 'S3')).toBeNull();
    await loadBase(w);
    const s3 = SESSIONS.S3 as NonNullable<(typeof SESSIONS)['S3']>;
    await w.upsertSessions([
      { ...s3, occupation: 'unknown', version: 1 },
      { ...s3, endMs: at('2026-03-02T05:00:00Z'), version: 4 },
    ]);
    await w.insertDecisions([
      decision('d1', 'flag-c', 'approve', '2026-03-05T00:00:00Z', '2026-03-02T04:06:00Z'),
    ]);
    const t = await w.getSession('alpha', 'S3');
    expect(t?.session).toEqual({ ...s3, endMs: at('2026-03-02T05:00:00Z'), version: 4 });
    const byId = new Map(SEGMENTS.map((s) => [s.segmentId, s]));
    expect(t?.segments).toEqual([
      { ...byId.get('s5'), day: '2026-03-02', effective: 'verified' },
      { ...byId.get('s6'), day: '2026-03-02', effective: 'pending' },
      { ...byId.get('s9'), day: '2026-03-02', effective: 'pending' },
    ]);
    expect(t?.flags.map((f) => [f.flagId, f.status, f.decisions.length])).toEqual([
      ['flag-b', 'open', 0],
      ['flag-c', 'approved', 1],
    ]);
    expect(t?.flags[0]).toEqual({ ...FLAGS[1], status: 'open', decidedUntilMs: null, decisions: [] });
    const s1 = await w.getSession('alpha', 'S1');
    expect(s1?.segments.map((s) => [s.segmentId, s.day, s.effective])).toEqual([
      ['s1', '2026-03-01', 'verified'],
      ['s2', '2026-03-01', 'verified'],
      ['s3', '2026-03-02', 'pending'],
    ]);
    expect(await w.getSession('alpha', 'S4')).toBeNull();
  });
}
