import type { FlagStatus, GroupKey, HoursQuery, ListFlagsQuery, Warehouse } from '../types';
import { GROUP_KEYS } from './workload-arbitrary';
import type { Rows } from './workload-rows';

/**
 * Every read of the warehouse port over a workload, as [name, answer] pairs in a fixed order: hours by
 * many groupings, filters and day ranges, each learner's totals, the programme, every flag listing
 * (all pages), every flag and session, counts and reconcile. Four reads run at a time.
 */
export async function allReads(w: Warehouse, rows: Rows): Promise<[string, unknown][]> {
  const out: [string, unknown][] = [];
  const pending: Promise<void>[] = [];
  let running = 0;
  const waiting: (() => void)[] = [];
  const put = (name: string, read: () => Promise<unknown>) => {
    const i = out.push([name, undefined]) - 1;
    pending.push(
      (async () => {
        if (running >= 4) await new Promise<void>((r) => waiting.push(r));
        running++;
        try {
          (out[i] as [string, unknown])[1] = await read();
        } finally {
          running--;
          waiting.shift()?.();
        }
      })(),
    );
  };
  const first = rows.days[0] ?? '2026-03-01';
  const last = rows.days[rows.days.length - 1] ?? '2026-03-01';
  const groupBys: GroupKey[][] = [
    [],
    ['day'],
    ['day', 'platform'],
    ['region', 'occupation'],
    ['course', 'learnerGroup'],
    ['learner'],
    ['learner', 'day', 'course'],
    GROUP_KEYS,
  ];
  const filters: HoursQuery['filters'][] = [
    {},
    { platformId: 'beta' },
    { region: '110101' },
    { occupation: 'unknown' },
    { courseId: 'weld-101' },
    { learnerGroup: 'graduate' },
    { learnerId: 'L1' },
    { learnerId: 'lrn:3', platformId: 'alpha' },
    { learnerId: 'L.4', region: 'unknown' },
  ];
  const all = { fromDay: '2026-02-01', toDay: '2026-03-31' };
  for (const groupBy of groupBys)
    put(`queryHours all by [${groupBy}]`, () => w.queryHours({ ...all, groupBy, filters: {} }));
  for (const [i, f] of filters.entries()) {
    const groupBy = groupBys[(i * 3) % groupBys.length] as GroupKey[];
    put(`queryHours all by [${groupBy}] where ${JSON.stringify(f)}`, () =>
      w.queryHours({ ...all, groupBy, filters: f }),
    );
  }
  for (const [fromDay, toDay] of [
    [first, first],
    [last, last],
    ['2026-03-02', '2026-03-03'],
  ] as const)
    for (const groupBy of [[], ['day', 'learner']] as GroupKey[][])
      for (const f of [{}, { learnerId: 'L2' }])
        put(`queryHours ${fromDay}..${toDay} by [${groupBy}] where ${JSON.stringify(f)}`, () =>
          w.queryHours({ fromDay, toDay, groupBy, filters: f }),
        );
  for (const l of rows.learners) {
    put(`learnerTotals ${l}`, () => w.learnerTotals(l));
    put(`learnerTotals ${l} ${first}..${first}`, () => w.learnerTotals(l, first, first));
    put(`learnerTotals ${l} from ${last}`, () => w.learnerTotals(l, last));
  }
  put('programme', () => w.programme());
  const listings: [string, Omit<ListFlagsQuery, 'limit' | 'cursor'>][] = [];
  for (const status of [undefined, 'open', 'approved', 'rejected'] as (FlagStatus | undefined)[]) {
    listings.push([`status=${status}`, { scope: '*', ...(status ? { status } : {}) }]);
    listings.push([
      `status=${status} scope=[alpha,gx-2]`,
      { scope: ['alpha', 'gx-2'], ...(status ? { status } : {}) },
    ]);
  }
  listings.push(['kind=idle', { scope: '*', kind: 'idle' }]);
  listings.push(['kind=late_report open', { scope: '*', kind: 'late_report', status: 'open' }]);
  listings.push(['platform=beta', { scope: '*', platformId: 'beta' }]);
  listings.push(['learner=L2 approved', { scope: '*', learnerId: 'L2', status: 'approved' }]);
  for (const [name, q] of listings)
    for (const limit of [2, 1000])
      put(`listFlags ${name} limit=${limit} (every page)`, async () => {
        const pages: unknown[] = [];
        let cursor: string | undefined;
        do {
          const page = await w.listFlags({ ...q, limit, ...(cursor === undefined ? {} : { cursor }) });
          pages.push(page);
          cursor = page.nextCursor ?? undefined;
        } while (cursor !== undefined && pages.length < 200);
        return pages;
      });
  for (const f of [...rows.flagIds, 'no-such-flag']) put(`getFlag ${f}`, () => w.getFlag(f));
  for (const [p, s] of [...rows.sessionKeys, ['alpha', 'no-such-session'] as [string, string]])
    put(`getSession ${p}/${s}`, () => w.getSession(p, s));
  put('counts', () => w.counts());
  put('reconcile', () => w.reconcile());
  await Promise.all(pending);
  return out;
}
