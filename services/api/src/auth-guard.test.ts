import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLAGS, seed } from './testing/fixtures';
import { createHarness, type Harness, type TokenName } from './testing/harness';

type Caller = TokenName | 'none' | 'unknown' | 'basic';
const CALLERS: Caller[] = [
  'none',
  'unknown',
  'basic',
  'platform',
  'statistician',
  'supervisor',
  'supervisorCvto',
  'admin',
];

/** Which callers may use each area (SPEC §1); everyone else gets 401 (no valid token) or 403. */
const ALLOWED: Record<'stats' | 'review' | 'admin', Caller[]> = {
  stats: ['statistician', 'admin'],
  review: ['supervisor', 'supervisorCvto', 'admin'],
  admin: ['admin'],
};

const ENDPOINTS = [
  { area: 'stats', method: 'GET', url: '/v1/stats/hours?from=2026-03-01&to=2026-03-02' },
  { area: 'stats', method: 'GET', url: '/v1/stats/learners/learner-1' },
  { area: 'stats', method: 'GET', url: '/v1/stats/programme' },
  { area: 'review', method: 'GET', url: '/v1/flags' },
  { area: 'review', method: 'GET', url: `/v1/flags/${FLAGS.idle1}` },
  { area: 'review', method: 'GET', url: '/v1/sessions/cvto/s1' },
  { area: 'review', method: 'POST', url: `/v1/flags/${FLAGS.seek1}/decision` },
  { area: 'admin', method: 'GET', url: '/v1/admin/pipeline' },
] as const;

function headersOf(caller: Caller): Record<string, string> {
  if (caller === 'unknown') return { authorization: 'Bearer not-a-real-token' };
  if (caller === 'basic') return { authorization: 'Basic ZGVtbzpkZW1v' };
  return {};
}

describe('which routes are gated', () => {
  it('every /v1 route but the OpenAPI document declares the area of callers it admits', async () => {
    const open: string[] = [];
    const h = await createHarness({
      onRoute: (route) => {
        if (route.url.startsWith('/v1/') && route.config?.area === undefined) {
          open.push(`${String(route.method)} ${route.url}`);
        }
      },
    });
    await h.close();
    expect(open).toEqual(['GET /v1/openapi.json', 'HEAD /v1/openapi.json']);
  });
});

describe('role × endpoint matrix', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
    await seed(h.warehouse);
  });
  afterAll(async () => {
    await h.close();
  });

  for (const e of ENDPOINTS) {
    for (const caller of CALLERS) {
      const allowed = ALLOWED[e.area].includes(caller);
      const expected = allowed ? 'allowed' : ['none', 'unknown', 'basic'].includes(caller) ? 401 : 403;
      it(`${e.method} ${e.url.split('?')[0]} as ${caller} → ${expected}`, async () => {
        const token = ['none', 'unknown', 'basic'].includes(caller) ? null : (caller as TokenName);
        const res =
          e.method === 'GET'
            ? await h.get(e.url, token, headersOf(caller))
            : await h.post(e.url, { decision: 'approve', note: 'ok' }, token, headersOf(caller));
        if (expected === 'allowed') {
          // A decision is 409 once another caller of this matrix decided the flag: authorized all the same.
          expect(e.method === 'POST' ? [200, 409] : [200]).toContain(res.status);
        } else {
          expect(res.status).toBe(expected);
          expect(res.json.error.code).toBe(expected === 401 ? 'unauthorized' : 'forbidden');
          expect(typeof res.json.error.message).toBe('string');
          if (expected === 401) expect(res.headers['www-authenticate']).toBe('Bearer');
        }
      });
    }
  }

  it('explains a 403 by role', async () => {
    const res = await h.post(`/v1/flags/${FLAGS.idle1}/decision`, { decision: 'approve' }, 'statistician');
    expect(res.json.error.message).toBe(
      'role statistician may not use this endpoint (needs supervisor or admin)',
    );
    const platform = await h.get('/v1/flags', 'platform');
    expect(platform.json.error.message).toBe(
      'platform tokens may only send events; this endpoint needs a user token',
    );
    const none = await h.get('/v1/flags', null);
    expect(none.json.error.message).toBe('missing bearer token');
  });

  it('authenticates before validating: a bad request without a token is 401, not 400', async () => {
    expect((await h.get('/v1/stats/hours?from=bad', null)).status).toBe(401);
    expect((await h.get('/v1/stats/hours?from=bad', 'supervisor')).status).toBe(403);
  });
});
