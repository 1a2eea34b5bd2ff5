import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { createAuthenticator } from './auth';
import { parseConfig } from './config';
import { DEMO_TOKENS, developmentConfig } from './dev-config';
import { hashToken } from './hash';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

describe('hashToken', () => {
  it('is sha256:<hex> of the UTF-8 token', () => {
    expect(hashToken('abc')).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('createAuthenticator', () => {
  const auth = createAuthenticator(developmentConfig());

  it('identifies platforms and users from their bearer tokens', () => {
    expect(auth.authenticate(`Bearer ${DEMO_TOKENS.platforms.skillup}`)).toEqual({
      kind: 'platform',
      platformId: 'skillup',
    });
    expect(auth.authenticate(`Bearer ${DEMO_TOKENS.admin}`)).toEqual({
      kind: 'user',
      name: 'demo.admin',
      role: 'admin',
      platforms: '*',
    });
    expect(auth.authenticate(`Bearer ${DEMO_TOKENS.supervisorCvto}`)).toEqual({
      kind: 'user',
      name: 'demo.supervisor.cvto',
      role: 'supervisor',
      platforms: ['cvto'],
    });
    expect(auth.authenticate(`Bearer ${DEMO_TOKENS.supervisor}`)).toMatchObject({ platforms: '*' });
  });

  it('carries the platform rate limit', () => {
    const a = createAuthenticator(
      parseConfig({
        platforms: [{ id: 'p', name: 'P', tokens: [hashToken('t')], rateLimitPerSec: 10 }],
        users: [],
      }),
    );
    expect(a.authenticate('Bearer t')).toEqual({ kind: 'platform', platformId: 'p', rateLimitPerSec: 10 });
  });

  it('accepts any case of the scheme and surrounding spaces', () => {
    expect(auth.authenticate(`bearer ${DEMO_TOKENS.admin}`)).not.toBeNull();
    expect(auth.authenticate(`BEARER  ${DEMO_TOKENS.admin} `)).not.toBeNull();
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['unknown token', 'Bearer nope'],
    ['no scheme', DEMO_TOKENS.admin],
    ['basic scheme', `Basic ${DEMO_TOKENS.admin}`],
    ['two tokens', `Bearer ${DEMO_TOKENS.admin} ${DEMO_TOKENS.admin}`],
    ['a hash instead of the token', `Bearer ${hashToken(DEMO_TOKENS.admin)}`],
    ['a prefix of a token', `Bearer ${DEMO_TOKENS.admin.slice(0, -1)}`],
    ['an overlong token', `Bearer ${'x'.repeat(10_000)}`],
    ['non-ASCII', 'Bearer demo-admin\u00e9'],
  ])('rejects %s', (_what, header) => {
    expect(auth.authenticate(header)).toBeNull();
  });

  it('a token of 512 characters is accepted and one of 513 is not (README: 1 to 512 printable ASCII)', () => {
    const long = 'k'.repeat(512);
    const a = createAuthenticator(
      parseConfig({
        platforms: [{ id: 'p', name: 'P', tokens: [hashToken(long), hashToken(`${long}k`)] }],
        users: [],
      }),
    );
    expect(a.authenticate(`Bearer ${long}`)).toEqual({ kind: 'platform', platformId: 'p' });
    expect(a.authenticate(`Bearer ${long}k`)).toBeNull();
  });

  it('confirms a hash match with a constant-time comparison of the digests', () => {
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    expect(auth.authenticate(`Bearer ${DEMO_TOKENS.statistician}`)).not.toBeNull();
    expect(spy).toHaveBeenCalledTimes(1);
    const [a, b] = spy.mock.calls[0] as [Buffer, Buffer];
    expect(a.length).toBe(32);
    expect(b.length).toBe(32);
    // An unknown token misses the hash map and never reaches a comparison with any stored digest.
    spy.mockClear();
    expect(auth.authenticate('Bearer unknown')).toBeNull();
    expect(spy).not.toHaveBeenCalled();
  });

  it('holds no raw token', () => {
    // The authenticator is built from hashes only: a config without raw tokens is all it ever sees.
    const cfg = developmentConfig();
    expect(JSON.stringify(cfg)).not.toContain(DEMO_TOKENS.admin);
  });
});
