import type { AcceptedEvent } from '@hourglass/events';
import { describe, expect, it } from 'vitest';
import { withoutSecretInExt } from './ext-secret';

const event = (ext?: unknown) =>
  ({
    id: 'tok-abc-1',
    type: 'session.end',
    time: '2026-03-01T08:00:00Z',
    platformId: 'cvto',
    learnerId: 'L1',
    sessionId: 'S1',
    ...(ext === undefined ? {} : { ext }),
  }) as AcceptedEvent;

describe('the request token in an accepted event’s ext', () => {
  it('is replaced in keys and string values at any depth; ids keep it', () => {
    const e = event({
      auth: 'Bearer tok-abc-123456',
      list: ['x tok-abc-123456 y', 3],
      'tok-abc-123456': { n: 1 },
    });
    expect(withoutSecretInExt(e, 'tok-abc-123456')).toEqual({
      ...e,
      ext: { auth: 'Bearer [redacted]', list: ['x [redacted] y', 3], '[redacted]': { n: 1 } },
    });
  });

  it('a token shorter than the marker is masked with as many stars, so ext never grows', () => {
    expect((withoutSecretInExt(event({ a: 'k=abc' }), 'abc') as { ext?: unknown }).ext).toEqual({
      a: 'k=***',
    });
  });

  it('an event without the token in ext, or without ext, is returned as it is', () => {
    const plain = event({ a: 'nothing here' });
    expect(withoutSecretInExt(plain, 'tok-abc-123456')).toBe(plain);
    const none = event();
    expect(withoutSecretInExt(none, 'tok-abc-123456')).toBe(none);
    expect(withoutSecretInExt(plain, undefined)).toBe(plain);
  });

  it('finds a token that JSON escapes', () => {
    const e = event({ a: 'x"y\\z' });
    expect((withoutSecretInExt(e, 'x"y\\z') as { ext?: unknown }).ext).toEqual({ a: '*****' });
  });
});
