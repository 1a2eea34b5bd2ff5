import { FLAG_KINDS, seededRandom } from '@hourglass/events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createClickHouseWarehouse } from './clickhouse/warehouse';
import { createEmbeddedWarehouse } from './embedded/warehouse';
import { type Built, build, workloadArb, ZONE } from './testing/adversarial-workload';
import { allReads } from './testing/all-reads';
import { testDatabases } from './testing/test-databases';
import { GROUP_KEYS, LEARNERS, PLATFORMS } from './testing/workload-arbitrary';
import { shuffled } from './testing/workload-rows';
import type { FlagStatus, GroupKey, HoursQuery, Warehouse } from './types';

/**
 * Review 'adapters': a more adversarial random workload than adapters-agree.test.ts — learners changing
 * between flag and session versions, segments re-sent with another status / kinds / end, decisions
 * re-sent naming other flags, certificates re-sent naming other learners, cumulative counts out of order,
 * data on both sides of a month boundary — and more reads (every groupBy subset, limits, month-crossing
 * and empty ranges, every listFlags filter).
 */

const raw = process.env.CLICKHOUSE_URL;

async function load(w: Warehouse, b: Built, seed: number): Promise<void> {
  const rand = seededRandom(seed);
  const batches = async <T>(rows: T[], write: (rows: T[]) => Promise<void>) => {
    for (let i = 0; i < rows.length; ) {
      const n = 1 + Math.floor(rand() * Math.max(1, rows.length / 2));
      await write(rows.slice(i, i + n));
      i += n;
    }
  };
  const shuffle = <T>(xs: readonly T[]): T[] => shuffled(xs, rand);
  await batches(b.shared.segments, (r) => w.insertSegments(r));
  await batches(shuffle(b.flags), (r) => w.upsertFlags(r));
  await batches(shuffle(b.sessions), (r) => w.upsertSessions(r));
  await batches(b.shared.certificates, (r) => w.insertCertificates(r));
  await batches(b.shared.decisions, (r) => w.insertDecisions(r));
  await batches(shuffle(b.rejected), (r) => w.insertRejected(r));
  await batches(shuffle(b.counts), (r) => w.insertEventCounts(r));
}

function subsets<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let m = 0; m < 1 << xs.length; m++) out.push(xs.filter((_, i) => (m >> i) & 1));
  return out;
}

async function moreReads(w: Warehouse, b: Built): Promise<[string, unknown][]> {
  const out: [string, unknown][] = [];
  const put = async (name: string, read: () => Promise<unknown>) => {
    try {
      out.push([name, await read()]);
    } catch (err) {
      out.push([name, `error: ${(err as Error).message}`]);
    }
  };
  const ranges: [string, string][] = [
    ['2026-02-28', '2026-03-01'],
    ['2026-02-01', '2026-02-28'],
    ['2026-03-01', '2026-03-31'],
    ['2026-04-01', '2026-04-30'],
    ['1970-01-01', '2105-12-31'],
  ];
  const filters: HoursQuery['filters'][] = [
    {},
    { learnerId: 'L1' },
    { learnerId: 'lrn:3', courseId: 'C1' },
    { region: 'unknown', learnerGroup: 'graduate' },
    { platformId: 'gx-2', occupation: '4-01-02' },
  ];
  const all = subsets(GROUP_KEYS);
  for (const [ri, [fromDay, toDay]] of ranges.entries())
    for (const [fi, f] of filters.entries()) {
      // A spread of the 128 groupBy subsets per (range, filter), every subset over the loops.
      for (let k = 0; k < 6; k++) {
        const groupBy = all[(ri * 37 + fi * 11 + k * 23) % all.length] as GroupKey[];
        const limit = k === 5 ? 2 : undefined;
        await put(`hours ${fromDay}..${toDay} [${groupBy}] ${JSON.stringify(f)} limit=${limit}`, () =>
          w.queryHours({ fromDay, toDay, groupBy, filters: f, ...(limit === undefined ? {} : { limit }) }),
        );
      }
    }
  for (const l of LEARNERS)
    for (const [fromDay, toDay] of ranges.slice(0, 3))
      await put(`learnerTotals ${l} ${fromDay}..${toDay}`, () => w.learnerTotals(l, fromDay, toDay));
  const statuses: (FlagStatus | undefined)[] = [undefined, 'open', 'approved', 'rejected'];
  const scopes: (string[] | '*')[] = ['*', ['beta'], []];
  for (const status of statuses)
    for (const learnerId of [undefined, ...LEARNERS])
      for (const scope of scopes)
        for (const limit of [1, 3]) {
          const q = {
            scope,
            limit,
            ...(status ? { status } : {}),
            ...(learnerId ? { learnerId } : {}),
          };
          await put(`listFlags ${JSON.stringify(q)}`, async () => {
            const pages: unknown[] = [];
            let cursor: string | undefined;
            do {
              const page = await w.listFlags({ ...q, ...(cursor === undefined ? {} : { cursor }) });
              pages.push(page);
              cursor = page.nextCursor ?? undefined;
            } while (cursor !== undefined && pages.length < 100);
            return pages;
          });
        }
  for (const kind of FLAG_KINDS)
    for (const platformId of [undefined, ...PLATFORMS])
      await put(`listFlags kind=${kind} platform=${platformId}`, () =>
        w.listFlags({ scope: '*', limit: 1000, kind, ...(platformId ? { platformId } : {}) }),
      );
  for (const [p, s] of b.sessionKeys) await put(`getSession ${p}/${s}`, () => w.getSession(p, s));
  return out;
}

if (raw === undefined || raw === '') {
  describe.skip('adversarial adapters agree', () => {});
} else {
  const { url, creds, database, admin } = testDatabases(raw, 'adapters');
  let lastDb = '';
  const fresh = () => {
    lastDb = database();
    return createClickHouseWarehouse({ url, ...creds, database: lastDb, timeZone: ZONE });
  };
  /** ADV_OPTIMIZE=1: merge every table (OPTIMIZE … FINAL) before reading, as background merges would. */
  const merged = async () => {
    if (process.env.ADV_OPTIMIZE !== '1') return;
    const tables = ['segments', 'by_learner', 'flags', 'decisions', 'sessions', 'certificates', 'rejected'];
    for (const t of [...tables, 'event_counts', 'event_counts_by_position'])
      await admin.command({ query: `OPTIMIZE TABLE ${lastDb}.${t} FINAL` });
  };
  describe('embedded and ClickHouse warehouses agree on adversarial workloads (review adapters)', () => {
    it('every read answers the same', async () => {
      const runs = Number(process.env.ADV_RUNS ?? 6);
      await fc.assert(
        fc.asyncProperty(workloadArb, async (wl) => {
          const b = build(wl);
          const e = createEmbeddedWarehouse({ timeZone: ZONE });
          const c = fresh();
          try {
            await e.migrate();
            await c.migrate();
            await load(e, b, wl.seedA);
            await load(c, b, wl.seedB);
            await merged();
            const want = [...(await allReads(e, b)), ...(await moreReads(e, b))];
            const got = [...(await allReads(c, b)), ...(await moreReads(c, b))];
            for (let i = 0; i < want.length; i++) {
              const [name, answer] = want[i] as [string, unknown];
              expect({ name, answer: (got[i] as [string, unknown])[1] }).toEqual({ name, answer });
            }
          } finally {
            await c.close();
          }
        }),
        { numRuns: runs, interruptAfterTimeLimit: Number(process.env.ADV_MS ?? 90_000) },
      );
    }, 900_000);
  });
}
