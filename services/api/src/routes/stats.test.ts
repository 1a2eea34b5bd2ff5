import { afterEach, describe, expect, it } from 'vitest';
import { learnerResponseSchema, programmeResponseSchema } from '../responses';
import { seed } from '../testing/fixtures';
import { createHarness, type Harness } from '../testing/harness';
import { generateTraffic } from '../testing/traffic';

const RANGE = 'from=2026-03-01&to=2026-03-02';

describe('statistics endpoints', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });
  const start = async (opts: Parameters<typeof createHarness>[0] = {}) => {
    h = await createHarness(opts);
    await seed(h.warehouse);
    return h;
  };

  it('stats/hours answers 400 with precise messages in the SPEC error shape', async () => {
    await start();
    const cases: [string, string][] = [
      [
        `${RANGE}&groupBy=day,colour`,
        'groupBy: unknown group "colour"; allowed: day, platform, region, occupation, course, learnerGroup, learner',
      ],
      ['from=2026-02-30&to=2026-03-01', 'from: must be a calendar day YYYY-MM-DD, got "2026-02-30"'],
      ['from=2026-03-05&to=2026-03-01', 'from (2026-03-05) is after to (2026-03-01)'],
      [
        'from=2025-01-01&to=2026-03-01',
        'from..to spans 425 days (2025-01-01..2026-03-01); at most 400 are allowed',
      ],
      ['to=2026-03-01', 'from: is required'],
      ['', 'from: is required; to: is required'],
      [`${RANGE}&grupBy=day`, 'unknown query parameter "grupBy"'],
      [`${RANGE}&to=2026-03-03`, 'to: given more than once'],
      [`${RANGE}&format=xlsx`, 'format: must be json or csv, got "xlsx"'],
    ];
    for (const [query, message] of cases) {
      const res = await h.get(`/v1/stats/hours?${query}`, 'statistician');
      expect(res.status, query).toBe(400);
      expect(res.json, query).toEqual({ error: { code: 'bad_request', message } });
    }
  });

  it('reports class hours beside hours when classHourMinutes is configured', async () => {
    await start({ classHourMinutes: 45 });
    const res = await h.get(`/v1/stats/hours?${RANGE}`, 'statistician');
    expect(res.json.rows).toEqual([
      {
        verifiedHours: 4.25,
        pendingHours: 1.25,
        rejectedHours: 0,
        verifiedClassHours: (4.25 * 60) / 45,
        pendingClassHours: (1.25 * 60) / 45,
        rejectedClassHours: 0,
        learners: 3,
      },
    ]);
    const csv = await h.get(`/v1/stats/hours?${RANGE}`, 'statistician', { accept: 'text/csv' });
    expect(csv.text.split('\r\n')[0]).toBe(
      'verifiedHours,pendingHours,rejectedHours,verifiedClassHours,pendingClassHours,rejectedClassHours,learners',
    );
    const programme = await h.get('/v1/stats/programme', 'statistician');
    expect(programme.json.verifiedClassHours).toBeCloseTo((4.25 * 60) / 45, 12);
  });

  it('Accept: text/csv selects CSV; format=json overrides it; an empty grouped result is just the header', async () => {
    await start();
    const csv = await h.get(`/v1/stats/hours?${RANGE}&groupBy=day,learnerGroup`, 'statistician', {
      accept: 'text/csv',
    });
    expect(csv.text).toBe(
      'day,learnerGroup,verifiedHours,pendingHours,rejectedHours,learners\r\n' +
        '2026-03-01,migrant_worker,1,0.5,0,1\r\n' +
        '2026-03-01,unemployed,1.5,0.25,0,1\r\n' +
        '2026-03-01,unknown,1,0,0,1\r\n' +
        '2026-03-02,migrant_worker,0.75,0,0,1\r\n' +
        '2026-03-02,unknown,0,0.5,0,0\r\n',
    );
    const json = await h.get(`/v1/stats/hours?${RANGE}&format=json`, 'statistician', { accept: 'text/csv' });
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(json.headers['cache-control']).toBe('no-store');
    expect(csv.headers['cache-control']).toBe('no-store');
    const empty = await h.get(
      '/v1/stats/hours?from=2027-01-01&to=2027-01-02&groupBy=day&format=csv',
      'statistician',
    );
    expect(empty.text).toBe('day,verifiedHours,pendingHours,rejectedHours,learners\r\n');
  });

  it('learner totals per platform and course, with certificates and their backing', async () => {
    await start();
    const res = await h.get('/v1/stats/learners/learner-1', 'statistician');
    expect(res.status).toBe(200);
    expect(learnerResponseSchema.parse(res.json)).toEqual(res.json);
    expect(res.json).toEqual({
      learnerId: 'learner-1',
      from: null,
      to: null,
      totals: [
        { platformId: 'cvto', courseId: 'c-weld', verifiedHours: 1.75, pendingHours: 0.5, rejectedHours: 0 },
      ],
      certificates: [
        {
          certificateId: 'cert-1',
          platformId: 'cvto',
          courseId: 'c-weld',
          requiredHours: 1.5,
          issuedAt: '2026-03-02T03:00:00.000Z',
          courseVerifiedHours: 1.75,
          backed: true,
        },
      ],
    });
    const day = await h.get('/v1/stats/learners/learner-1?from=2026-03-02&to=2026-03-02', 'statistician');
    expect(day.json.totals).toEqual([
      { platformId: 'cvto', courseId: 'c-weld', verifiedHours: 0.75, pendingHours: 0, rejectedHours: 0 },
    ]);
    // Backing is over all days, whatever the range.
    expect(day.json.certificates[0].courseVerifiedHours).toBe(1.75);
    const csv = await h.get('/v1/stats/learners/learner-1?format=csv', 'statistician');
    expect(csv.text).toBe(
      'platformId,courseId,verifiedHours,pendingHours,rejectedHours\r\ncvto,c-weld,1.75,0.5,0\r\n',
    );
    const nobody = await h.get('/v1/stats/learners/nobody', 'statistician');
    expect(nobody.json).toEqual({ learnerId: 'nobody', from: null, to: null, totals: [], certificates: [] });
  });

  it('programme figures beside the targets, with per-platform quality', async () => {
    await start();
    const res = await h.get('/v1/stats/programme', 'statistician');
    expect(res.status).toBe(200);
    expect(programmeResponseSchema.parse(res.json)).toEqual(res.json);
    expect(res.json).toMatchObject({
      platforms: { active: 2, target: 50, met: false },
      occupations: { covered: 2, target: 100, met: false },
      coursesCovered: 2,
      learners: 3,
      verifiedHours: 4.25,
      certificates: { issued: 2, backed: 1 },
    });
    expect(res.json.flaggedSessionsByKind).toMatchObject({
      idle: 1,
      late_report: 1,
      concurrent_session: 1,
      shared_device: 1,
      seek_ahead: 1,
      quiz_too_fast: 0,
    });
    expect(res.json.platformQuality).toEqual([
      {
        platformId: 'cvto',
        acceptedEvents: 90,
        rejectedEvents: 10,
        rejectedEventRate: 0.1,
        verifiedHours: 2.75,
        withheldHours: 1,
        flaggedTimeShare: 1 / 3.75,
      },
      {
        platformId: 'skillup',
        acceptedEvents: 50,
        rejectedEvents: 0,
        rejectedEventRate: 0,
        verifiedHours: 1.5,
        withheldHours: 0.25,
        flaggedTimeShare: 0.25 / 1.75,
      },
    ]);
  });

  it('JSON-only endpoints refuse format=csv with a message naming the CSV endpoints', async () => {
    await start();
    const res = await h.get('/v1/stats/programme?format=csv', 'statistician');
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe(
      'format: must be json (CSV is only offered by the list endpoints stats/hours, stats/learners and flags), got "csv"',
    );
  });

  it('a large grouped result streams as CSV with every row, equal to the JSON rows', async () => {
    await start();
    const traffic = generateTraffic(7, Date.parse('2026-06-01T00:00:00Z'), 1500);
    await h.warehouse.insertSegments(traffic.segments);
    const q = 'from=2026-06-01&to=2026-06-30&groupBy=day,learner';
    const json = await h.get(`/v1/stats/hours?${q}`, 'statistician');
    const rows = json.json.rows as Record<string, number | string>[];
    expect(rows.length).toBeGreaterThan(2000);
    const csv = await h.get(`/v1/stats/hours?${q}&format=csv`, 'statistician');
    expect(csv.headers['content-length']).toBeUndefined(); // streamed, not buffered
    const lines = csv.text.split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines).toHaveLength(rows.length + 2);
    const columns = ['day', 'learnerId', 'verifiedHours', 'pendingHours', 'rejectedHours', 'learners'];
    expect(lines[0]).toBe(columns.join(','));
    rows.forEach((r, i) => {
      expect(lines[i + 1]).toBe(columns.map((c) => String(r[c])).join(','));
    });
  });
});
