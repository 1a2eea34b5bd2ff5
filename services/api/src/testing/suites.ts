import type { Warehouse } from '@hourglass/warehouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP_NAMES } from '../query-schemas';
import { flagsResponseSchema, hoursResponseSchema, sessionResponseSchema } from '../responses';
import { at, FLAG_UPDATES, FLAGS, H, LEARNERS, SEGMENTS, SESSIONS, seed, segment } from './fixtures';
import { createHarness, type Harness } from './harness';
import { generateTraffic } from './traffic';

/**
 * The key stats and flags behaviour, run against the embedded warehouse and against the real
 * ClickHouse (api.clickhouse.test.ts). One seeded warehouse per run: read-only tests first, then the
 * decisions, which assert changes (before → after) so they hold whatever ran before them.
 */

const RANGE = 'from=2026-03-01&to=2026-03-02';
type Totals = { verifiedHours: number; pendingHours: number; rejectedHours: number; learners: number };

const sum = (rows: Totals[], k: 'verifiedHours' | 'pendingHours' | 'rejectedHours') =>
  rows.reduce((n, r) => n + r[k], 0);

/** Runs `fn` over `items` with at most `limit` in flight (the real server answers several at once). */
async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return out;
}

function subsets<T>(items: readonly T[]): T[][] {
  return Array.from({ length: 2 ** items.length }, (_, mask) => items.filter((_, i) => mask & (1 << i)));
}

export function describeQueryApi(name: string, makeWarehouse: () => Promise<Warehouse>) {
  describe(`query API on the ${name} warehouse`, () => {
    let h: Harness;
    const total = async (): Promise<Totals> => {
      const res = await h.get(`/v1/stats/hours?${RANGE}`, 'statistician');
      expect(res.status).toBe(200);
      return res.json.rows[0];
    };

    beforeAll(async () => {
      h = await createHarness({ warehouse: await makeWarehouse() });
      await seed(h.warehouse);
    });
    afterAll(async () => {
      await h?.close();
    });

    describe('stats/hours', () => {
      it('one total row without groupBy', async () => {
        const res = await h.get(`/v1/stats/hours?${RANGE}`, 'statistician');
        expect(res.status).toBe(200);
        expect(hoursResponseSchema.parse(res.json)).toEqual(res.json);
        expect(res.json).toEqual({
          rows: [{ verifiedHours: 4.25, pendingHours: 1.25, rejectedHours: 0, learners: 3 }],
        });
      });

      it('every groupBy combination sums to the ungrouped total, rows sorted by their keys', async () => {
        const t = await total();
        const combos = subsets(GROUP_NAMES);
        const answers = await inParallel(combos, 6, (groups) =>
          h.get(`/v1/stats/hours?${RANGE}&groupBy=${groups.join(',')}`, 'statistician'),
        );
        for (const [i, groups] of combos.entries()) {
          const res = answers[i]!;
          expect(res.status, groups.join(',')).toBe(200);
          const rows = res.json.rows as (Totals & Record<string, string>)[];
          for (const k of ['verifiedHours', 'pendingHours', 'rejectedHours'] as const) {
            expect(sum(rows, k), `${k} by ${groups.join(',')}`).toBeCloseTo(t[k], 9);
          }
          const keyOf = (r: Record<string, unknown>) =>
            Object.keys(r).filter((k) => !k.endsWith('Hours') && k !== 'learners');
          const keys = keyOf(rows[0] ?? {});
          for (const r of rows) expect(keyOf(r)).toEqual(keys);
          const joined = rows.map((r) => keys.map((k) => r[k]).join('\u0000'));
          expect(joined, `sorted by ${keys.join(',')}`).toEqual([...joined].sort());
        }
      });

      it('attributes a segment to the programme-zone day of its start', async () => {
        const res = await h.get(`/v1/stats/hours?${RANGE}&groupBy=day`, 'statistician');
        expect(res.json.rows).toEqual([
          { day: '2026-03-01', verifiedHours: 3.5, pendingHours: 0.75, rejectedHours: 0, learners: 3 },
          { day: '2026-03-02', verifiedHours: 0.75, pendingHours: 0.5, rejectedHours: 0, learners: 1 },
        ]);
      });

      it('filters by every attribute', async () => {
        const one = async (q: string) =>
          (await h.get(`/v1/stats/hours?${RANGE}&${q}`, 'statistician')).json.rows[0] as Totals;
        expect(await one('platformId=cvto')).toMatchObject({
          verifiedHours: 2.75,
          pendingHours: 1,
          learners: 2,
        });
        expect(await one('region=unknown')).toMatchObject({
          verifiedHours: 1,
          pendingHours: 0.5,
          learners: 1,
        });
        expect(await one('occupation=4-01-02-00')).toMatchObject({ verifiedHours: 1.5, pendingHours: 0.25 });
        expect(await one('courseId=c-weld&learnerGroup=migrant_worker')).toMatchObject({
          verifiedHours: 1.75,
        });
        expect(await one('learnerId=learner-3')).toMatchObject({ verifiedHours: 1, pendingHours: 0.5 });
        expect(await one('learnerId=nobody')).toEqual({
          verifiedHours: 0,
          pendingHours: 0,
          rejectedHours: 0,
          learners: 0,
        });
      });

      it('days outside from..to are not counted', async () => {
        const res = await h.get(
          '/v1/stats/hours?from=2026-03-02&to=2026-03-02&groupBy=learner',
          'statistician',
        );
        expect(res.json.rows).toEqual([
          { learnerId: 'learner-1', verifiedHours: 0.75, pendingHours: 0, rejectedHours: 0, learners: 1 },
          { learnerId: 'learner-3', verifiedHours: 0, pendingHours: 0.5, rejectedHours: 0, learners: 0 },
        ]);
        const none = await h.get('/v1/stats/hours?from=2026-04-01&to=2026-04-30&groupBy=day', 'statistician');
        expect(none.json).toEqual({ rows: [] });
      });

      it('CSV has a header row and the same numbers', async () => {
        const res = await h.get(`/v1/stats/hours?${RANGE}&groupBy=platform&format=csv`, 'statistician');
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
        expect(res.text).toBe(
          'platformId,verifiedHours,pendingHours,rejectedHours,learners\r\n' +
            'cvto,2.75,1,0,2\r\nskillup,1.5,0.25,0,1\r\n',
        );
      });

      it('equals the sum of the segments of every session timeline', async () => {
        const t = await total();
        const bySession = { verified: 0, pending: 0, rejected: 0 };
        for (const s of SESSIONS) {
          const res = await h.get(`/v1/sessions/${s.platformId}/${s.sessionId}`, 'admin');
          expect(res.status).toBe(200);
          for (const seg of res.json.segments)
            bySession[seg.effective as keyof typeof bySession] += seg.seconds;
        }
        expect(bySession.verified / 3600).toBeCloseTo(t.verifiedHours, 9);
        expect(bySession.pending / 3600).toBeCloseTo(t.pendingHours, 9);
        expect(bySession.rejected / 3600).toBeCloseTo(t.rejectedHours, 9);
      });
    });

    describe('flags and sessions', () => {
      it('lists the flags in scope, newest first', async () => {
        const all = await h.get('/v1/flags', 'supervisor');
        expect(all.status).toBe(200);
        expect(flagsResponseSchema.parse(all.json)).toEqual(all.json);
        expect(all.json.flags.map((f: { flagId: string }) => f.flagId).sort()).toEqual(
          FLAG_UPDATES.map((f) => f.flagId).sort(),
        );
        const firsts = all.json.flags.map((f: { firstAt: string }) => f.firstAt);
        expect(firsts).toEqual([...firsts].sort().reverse());
        const cvto = await h.get('/v1/flags', 'supervisorCvto');
        expect(cvto.json.flags.every((f: { platformId: string }) => f.platformId === 'cvto')).toBe(true);
        expect(cvto.json.flags).toHaveLength(4);
        const outside = await h.get('/v1/flags?platformId=skillup', 'supervisorCvto');
        expect(outside.json).toEqual({ flags: [], nextCursor: null });
      });

      it('renders a flag with ISO times, seconds, evidence and status', async () => {
        const res = await h.get(`/v1/flags/${FLAGS.concurrent3}`, 'supervisor');
        expect(res.status).toBe(200);
        expect(res.json).toMatchObject({
          flagId: FLAGS.concurrent3,
          kind: 'concurrent_session',
          learnerId: 'learner-3',
          platformId: 'cvto',
          sessionId: 's3',
          firstAt: '2026-03-02T02:00:00.000Z',
          lastAt: '2026-03-02T02:30:00.000Z',
          occurrences: 1,
          withheldSeconds: 1800,
          evidence: [
            {
              eventId: 'ev-c',
              at: '2026-03-02T02:30:00.000Z',
              note: 'overlaps',
              platformId: 'skillup',
              sessionId: 's9',
            },
          ],
          decisions: [],
        });
        expect(['open', 'approved', 'rejected']).toContain(res.json.status);
      });

      it('filters flags and pages through them without gaps or repeats', async () => {
        const byKind = await h.get('/v1/flags?kind=late_report', 'supervisor');
        expect(byKind.json.flags.map((f: { flagId: string }) => f.flagId)).toEqual([FLAGS.late2]);
        const byLearner = await h.get('/v1/flags?learnerId=learner-3', 'supervisor');
        expect(byLearner.json.flags).toHaveLength(2);
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const res: { json: { flags: { flagId: string }[]; nextCursor: string | null } } = await h.get(
            `/v1/flags?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
            'supervisor',
          );
          expect(res.json.flags.length).toBeLessThanOrEqual(2);
          seen.push(...res.json.flags.map((f) => f.flagId));
          cursor = res.json.nextCursor;
        } while (cursor !== null);
        expect(seen.sort()).toEqual(FLAG_UPDATES.map((f) => f.flagId).sort());
      });

      it('flags CSV escapes commas and quotes of evidence notes', async () => {
        const res = await h.get('/v1/flags?kind=idle', 'supervisor', { accept: 'text/csv' });
        expect(res.status).toBe(200);
        const [header, line] = res.text.split('\r\n');
        expect(header).toBe(
          'flagId,kind,learnerId,platformId,sessionId,firstAt,lastAt,occurrences,withheldSeconds,status,evidence,decisions',
        );
        expect(line).toContain(`${FLAGS.idle1},idle,learner-1,cvto,s1,2026-03-01T02:00:00.000Z,`);
        expect(line).toContain('""note"":""idle, \\""quoted\\"", with commas""');
      });

      it('a session timeline has attributes, segments, flags and decisions', async () => {
        const res = await h.get('/v1/sessions/cvto/s3', 'supervisorCvto');
        expect(res.status).toBe(200);
        expect(sessionResponseSchema.parse(res.json)).toEqual(res.json);
        expect(res.json).toMatchObject({
          platformId: 'cvto',
          sessionId: 's3',
          learnerId: 'learner-3',
          courseId: 'c-weld',
          region: 'unknown',
          start: '2026-03-01T15:30:00.000Z',
          end: '2026-03-02T02:30:00.000Z',
        });
        expect(
          res.json.segments.map((s: { seconds: number; status: string }) => [s.seconds, s.status]),
        ).toEqual([
          [3600, 'verified'],
          [1800, 'withheld'],
        ]);
        expect(res.json.segments[1].kinds).toEqual(['concurrent_session', 'shared_device']);
        expect(res.json.flags.map((f: { kind: string }) => f.kind).sort()).toEqual([
          'concurrent_session',
          'shared_device',
        ]);
      });

      it('outside a supervisor’s scope, flags and sessions are unknown (404)', async () => {
        expect((await h.get(`/v1/flags/${FLAGS.late2}`, 'supervisorCvto')).status).toBe(404);
        expect((await h.get('/v1/sessions/skillup/s2', 'supervisorCvto')).status).toBe(404);
        expect((await h.get('/v1/sessions/cvto/no-such', 'supervisorCvto')).status).toBe(404);
        expect((await h.get('/v1/flags/f_unknown', 'supervisor')).status).toBe(404);
        expect((await h.decide(FLAGS.late2, 'approve', 'x', 'supervisorCvto')).status).toBe(404);
      });
    });

    describe('hostile parameters are rejected or harmless', () => {
      const NASTY = [
        "' OR '1'='1",
        "x'; DROP TABLE segments; --",
        'a\\',
        "\\' OR 1=1 --",
        'SELECT * FROM flags',
        '1) UNION ALL SELECT 1,2,3 --',
        '学员',
        '＇ OR ＇1＇=＇1',
        'a\u0000b',
        'a\nb',
        '%27',
        '\u0024{1+1}',
        'x'.repeat(200),
      ];
      const e = encodeURIComponent;

      it('in every query parameter of stats/hours and flags', async () => {
        const before = await total();
        for (const v of NASTY) {
          for (const p of [
            'from',
            'to',
            'groupBy',
            'platformId',
            'region',
            'occupation',
            'courseId',
            'learnerGroup',
            'learnerId',
            'format',
          ]) {
            const q = new URLSearchParams({ from: '2026-03-01', to: '2026-03-02', [p]: v });
            const res = await h.get(`/v1/stats/hours?${q}`, 'statistician');
            expect(res.status, `${p}=${v}`).toBe(400);
            expect(res.json.error.code).toBe('bad_request');
          }
          for (const p of ['status', 'kind', 'platformId', 'learnerId', 'limit', 'cursor']) {
            const res = await h.get(`/v1/flags?${p}=${e(v)}`, 'supervisor');
            expect(res.status, `${p}=${v}`).toBe(400);
          }
          const learner = await h.get(`/v1/stats/learners/${e(v)}`, 'statistician');
          // Over the router's maxParamLength it is the router that answers 400, before any route runs.
          expect(learner.status, `learner ${v}`).toBe(400);
          expect(learner.json.error.code, `learner ${v}`).toBe('bad_request');
          const flag = await h.get(`/v1/flags/${e(v)}`, 'supervisor');
          expect([400, 404], `flag ${v}`).toContain(flag.status);
          expect(flag.json.error.code, `flag ${v}`).toMatch(/^(bad_request|not_found)$/);
          const session = await h.get(`/v1/sessions/cvto/${e(v)}`, 'supervisor');
          expect([400, 404], `session ${v}`).toContain(session.status);
          expect(session.json.error.code, `session ${v}`).toMatch(/^(bad_request|not_found)$/);
          const decision = await h.post(`/v1/flags/${e(v)}/decision`, { decision: 'approve' }, 'supervisor');
          expect([400, 404], `decision ${v}`).toContain(decision.status);
          expect(decision.json.error.code, `decision ${v}`).toMatch(/^(bad_request|not_found)$/);
        }
        expect(await total()).toEqual(before);
      });

      it('valid-but-odd identifiers reach the warehouse quoted and match nothing', async () => {
        const before = await total();
        for (const v of ['--', '1--', 'a:b', '..', '0x27', 'NULL', 'or-1-1', 'a.b_c:d-e']) {
          const res = await h.get(
            `/v1/stats/hours?${RANGE}&learnerId=${e(v)}&courseId=${e(v)}`,
            'statistician',
          );
          expect(res.status, v).toBe(200);
          expect(res.json.rows).toEqual([
            { verifiedHours: 0, pendingHours: 0, rejectedHours: 0, learners: 0 },
          ]);
          const flags = await h.get(`/v1/flags?learnerId=${e(v)}`, 'supervisor');
          expect(flags.json.flags, v).toEqual([]);
          // URL parsers resolve a ".." segment (even as %2E%2E) before routing: no path can carry it.
          if (v === '..') continue;
          expect((await h.get(`/v1/stats/learners/${e(v)}`, 'statistician')).json.totals, v).toEqual([]);
          expect((await h.get(`/v1/sessions/cvto/${e(v)}`, 'supervisor')).status, v).toBe(404);
        }
        const forged = Buffer.from(JSON.stringify([0, "x' OR 1=1"])).toString('base64url');
        const res = await h.get(`/v1/flags?cursor=${forged}`, 'supervisor');
        expect(res.status).toBe(400);
        expect(res.json.error.message).toBe('cursor: must be a nextCursor returned by this endpoint');
        expect(await total()).toEqual(before);
      });
    });

    describe('decisions', () => {
      it('approve moves exactly the flag’s withheld time from pending to verified, and backs a certificate', async () => {
        const before = await total();
        const cert = async () =>
          (await h.get('/v1/stats/learners/learner-2', 'statistician')).json.certificates[0].backed;
        expect(await cert()).toBe(false);
        const res = await h.decide(FLAGS.late2, 'approve', 'network outage, confirmed');
        expect(res.status).toBe(200);
        expect(res.json).toMatchObject({ flagId: FLAGS.late2, status: 'approved', withheldSeconds: 900 });
        expect(res.json.decisions).toHaveLength(1);
        expect(res.json.decisions[0]).toMatchObject({
          decision: 'approve',
          note: 'network outage, confirmed',
          by: 'demo.supervisor',
          coversUntil: '2026-03-01T04:45:00.000Z',
        });
        const after = await total();
        expect(after.verifiedHours - before.verifiedHours).toBeCloseTo(0.25, 9);
        expect(before.pendingHours - after.pendingHours).toBeCloseTo(0.25, 9);
        expect(after.rejectedHours).toBeCloseTo(before.rejectedHours, 9);
        expect(await cert()).toBe(true);
      });

      it('a second decision without new withheld time is 409', async () => {
        const res = await h.decide(FLAGS.late2, 'reject', 'changed my mind');
        expect(res.status).toBe(409);
        expect(res.json.error.code).toBe('conflict');
        expect(res.json.error.message).toContain('already approved');
      });

      it('reject moves exactly the withheld time from pending to rejected; later time reopens the flag', async () => {
        const before = await total();
        const res = await h.decide(FLAGS.idle1, 'reject', 'asleep');
        expect(res.status).toBe(200);
        expect(res.json.status).toBe('rejected');
        const after = await total();
        expect(before.pendingHours - after.pendingHours).toBeCloseTo(0.5, 9);
        expect(after.rejectedHours - before.rejectedHours).toBeCloseTo(0.5, 9);
        expect(after.verifiedHours).toBeCloseTo(before.verifiedHours, 9);

        // New idle time on the same flag (detector output arriving later).
        const l1 = LEARNERS.l1;
        await h.warehouse.insertSegments([
          segment(l1, '2026-03-02T01:45:00Z', '2026-03-02T02:00:00Z', ['idle']),
        ]);
        const idle = FLAG_UPDATES.find((f) => f.flagId === FLAGS.idle1)!;
        await h.warehouse.upsertFlags([
          { ...idle, lastAtMs: at('2026-03-02T02:00:00Z'), occurrences: 2, withheldMs: 0.75 * H, version: 2 },
        ]);
        const reopened = await h.get(`/v1/flags/${FLAGS.idle1}`, 'supervisor');
        expect(reopened.json.status).toBe('open');
        expect(reopened.json.decisions).toHaveLength(1);
        const mid = await total();
        expect(mid.pendingHours - after.pendingHours).toBeCloseTo(0.25, 9);

        const again = await h.decide(FLAGS.idle1, 'approve', 'was reading');
        expect(again.status).toBe(200);
        expect(again.json.status).toBe('approved');
        expect(again.json.decisions.map((d: { decision: string }) => d.decision)).toEqual([
          'reject',
          'approve',
        ]);
        const end = await total();
        // The approval covers only the new quarter hour; the rejected half hour stays rejected.
        expect(end.verifiedHours - mid.verifiedHours).toBeCloseTo(0.25, 9);
        expect(end.rejectedHours).toBeCloseTo(mid.rejectedHours, 9);
        expect((await h.decide(FLAGS.idle1, 'approve')).status).toBe(409);
      });

      it('a segment withheld by two flags turns verified only when both are approved', async () => {
        const before = await total();
        expect((await h.decide(FLAGS.concurrent3, 'approve')).status).toBe(200);
        const mid = await total();
        expect(mid.verifiedHours).toBeCloseTo(before.verifiedHours, 9);
        expect(mid.pendingHours).toBeCloseTo(before.pendingHours, 9);
        expect((await h.decide(FLAGS.shared3, 'approve')).status).toBe(200);
        const after = await total();
        expect(after.verifiedHours - before.verifiedHours).toBeCloseTo(0.5, 9);
        expect(before.pendingHours - after.pendingHours).toBeCloseTo(0.5, 9);
      });

      it('every decision is on the decisions topic, keyed by flag, with who and when', async () => {
        const records = await h.decisionRecords();
        expect(records.map((r) => r.flagId).sort()).toEqual(
          [FLAGS.late2, FLAGS.idle1, FLAGS.idle1, FLAGS.concurrent3, FLAGS.shared3].sort(),
        );
        for (const r of records) expect(r.by).toBe('demo.supervisor');
        const timeline = await h.get('/v1/sessions/cvto/s1', 'supervisor');
        expect(timeline.json.decisions.map((d: { flagId: string }) => d.flagId)).toEqual([
          FLAGS.idle1,
          FLAGS.idle1,
        ]);
        expect(SEGMENTS.length).toBeGreaterThan(0);
      });
    });

    describe('generated traffic (May 2026, apart from the literal world)', () => {
      const MAY = 'from=2026-05-01&to=2026-05-31';
      const traffic = generateTraffic(20260501, Date.parse('2026-05-01T00:00:00Z'), 14);
      const totalMay = async (): Promise<Totals> =>
        (await h.get(`/v1/stats/hours?${MAY}`, 'statistician')).json.rows[0];

      it('grouped any way sums to the total, which equals the sum of every session timeline', async () => {
        await h.warehouse.insertSegments(traffic.segments);
        await h.warehouse.upsertFlags(traffic.flags);
        await h.warehouse.upsertSessions(traffic.sessions);
        // Decide every third flag, alternating approve and reject, through the API.
        for (const [i, f] of traffic.flags.entries()) {
          if (i % 3 !== 0) continue;
          const res = await h.decide(f.flagId, i % 2 === 0 ? 'approve' : 'reject', `generated ${i}`);
          expect(res.status).toBe(200);
        }
        const t = await totalMay();
        const allMs = traffic.segments.reduce((n, seg) => n + seg.endMs - seg.startMs, 0);
        expect(t.verifiedHours + t.pendingHours + t.rejectedHours).toBeCloseTo(allMs / 3_600_000, 9);
        expect(t.verifiedHours).toBeGreaterThan(0);
        expect(t.pendingHours).toBeGreaterThan(0);
        expect(t.rejectedHours).toBeGreaterThan(0);

        const combos = [
          [],
          ...GROUP_NAMES.map((g) => [g]),
          ...subsets(GROUP_NAMES).filter((c) => c.length === 2),
          [...GROUP_NAMES],
        ];
        const grouped = await inParallel(combos, 6, async (groups) => ({
          groups,
          rows: (await h.get(`/v1/stats/hours?${MAY}&groupBy=${groups.join(',')}`, 'statistician')).json.rows,
        }));
        for (const { groups, rows } of grouped) {
          for (const k of ['verifiedHours', 'pendingHours', 'rejectedHours'] as const) {
            expect(sum(rows, k), `${k} by ${groups.join(',')}`).toBeCloseTo(t[k], 9);
          }
        }

        const fromTimelines = { verified: 0, pending: 0, rejected: 0 };
        const verifiedLearners = new Set<string>();
        const timelines = await inParallel(traffic.sessions, 6, (s) =>
          h.get(`/v1/sessions/${s.platformId}/${s.sessionId}`, 'supervisor'),
        );
        for (const res of timelines) {
          expect(res.status).toBe(200);
          for (const seg of res.json.segments) {
            fromTimelines[seg.effective as keyof typeof fromTimelines] += seg.seconds;
            if (seg.effective === 'verified' && seg.seconds > 0) verifiedLearners.add(res.json.learnerId);
          }
        }
        expect(fromTimelines.verified / 3600).toBeCloseTo(t.verifiedHours, 9);
        expect(fromTimelines.pending / 3600).toBeCloseTo(t.pendingHours, 9);
        expect(fromTimelines.rejected / 3600).toBeCloseTo(t.rejectedHours, 9);
        expect(t.learners).toBe(verifiedLearners.size);
      });
    });
  });
}
