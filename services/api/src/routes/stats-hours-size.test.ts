import { createEmbeddedWarehouse, type HoursQuery, type HoursRow } from '@hourglass/warehouse';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_HOURS_ROWS } from '../api';
import { createHarness, type Harness } from '../testing/harness';

/**
 * stats/hours had no bound on its answer: `groupBy=learner,day,course` returns one row per learner, day and
 * course of the range. Found in review on ClickHouse 18.16 with 4,000,000 such rows: the JSON answer was
 * `500 internal` after 44 s with the API at 2.3 GB RSS (the JSON text is longer than V8's longest string),
 * the CSV one a 238 MB `200`. Now one answer holds at most maxHoursRows rows (1,000,000 by default): the
 * warehouse is asked for one row more, and a grouping that has it is refused with 400 before anything is
 * rendered. The bound is small here so the test is quick; the warehouse below ignores the limit it is
 * given, as a careless adapter would, and the API still refuses.
 */
const rows = (n: number): HoursRow[] =>
  Array.from({ length: n }, (_, i) => ({
    day: '2026-03-01',
    courseId: `c-${i % 50}`,
    learnerId: `learner-${String(i).padStart(7, '0')}`,
    verifiedMs: 60_000,
    pendingMs: 0,
    rejectedMs: 0,
    learners: 1,
  }));

describe('stats/hours under a very large grouping', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  async function ask(n: number, accept?: string) {
    const embedded = createEmbeddedWarehouse({ timeZone: 'Asia/Shanghai' });
    const asked: HoursQuery[] = [];
    h = await createHarness({
      maxHoursRows: 1000,
      warehouse: {
        ...embedded,
        queryHours: async (q) => {
          asked.push(q);
          return rows(n);
        },
      },
    });
    const res = await h.get(
      '/v1/stats/hours?from=2026-03-01&to=2026-03-01&groupBy=learner,day,course',
      'statistician',
      accept === undefined ? {} : { accept },
    );
    return { res, asked };
  }

  it('a grouping of more rows than the bound answers 400 in the SPEC error shape, naming the bound, in JSON and CSV', async () => {
    for (const accept of [undefined, 'text/csv']) {
      const { res, asked } = await ask(1001, accept);
      expect(asked.map((q) => q.limit)).toEqual([1001]);
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('bad_request');
      expect(res.json.error.message).toContain('more than 1000 rows');
    }
  });

  it('a grouping of exactly the bound is answered whole', async () => {
    const { res } = await ask(1000);
    expect(res.status).toBe(200);
    expect(res.json.rows).toHaveLength(1000);
  });

  it('the default bound is 1,000,000 rows', () => {
    expect(DEFAULT_MAX_HOURS_ROWS).toBe(1_000_000);
  });
});
