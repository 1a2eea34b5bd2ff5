import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './testing/harness';

describe('the token is checked before the body is read', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('a decision without a token answers 401, whether its body is not JSON or not JSON at all', async () => {
    const broken = await h.post('/v1/flags/f1/decision', '{"decision":', null);
    expect([broken.status, broken.json]).toEqual([
      401,
      { error: { code: 'unauthorized', message: 'missing bearer token' } },
    ]);
    expect(broken.headers['www-authenticate']).toMatch(/^Bearer/);
    const text = await h.post('/v1/flags/f1/decision', 'approve', null, { 'content-type': 'text/plain' });
    expect(text.status).toBe(401);
  });

  it('a decision with a platform token answers 403 even with a body that is not JSON', async () => {
    const r = await h.post('/v1/flags/f1/decision', '{"decision":', 'platform');
    expect([r.status, r.json.error.code]).toEqual([403, 'forbidden']);
  });

  it('a path the router cannot take answers 400 before any token is read', async () => {
    const r = await h.get(`/v1/flags/${'a'.repeat(600)}`, null);
    expect([r.status, r.json.error.code]).toEqual([400, 'bad_request']);
  });
});
