import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './rate-limit';

describe('createRateLimiter', () => {
  it('starts full with one second of rate and refills continuously', () => {
    let now = 0;
    const rl = createRateLimiter(() => now);
    expect(rl.take('p', 100, 100)).toEqual({ ok: true });
    expect(rl.take('p', 100, 1)).toEqual({ ok: false, retryAfterSec: 1 });
    now += 500;
    expect(rl.take('p', 100, 50)).toEqual({ ok: true });
    expect(rl.take('p', 100, 1)).toEqual({ ok: false, retryAfterSec: 1 });
  });

  it('says how many seconds until enough tokens, at least 1', () => {
    let now = 0;
    const rl = createRateLimiter(() => now);
    expect(rl.take('p', 10, 10)).toEqual({ ok: true });
    expect(rl.take('p', 10, 10)).toEqual({ ok: false, retryAfterSec: 1 });
    now += 100;
    expect(rl.take('p', 10, 10)).toEqual({ ok: false, retryAfterSec: 1 });
  });

  it.each([0.1, 0.3, 0.7, 2.5, 1 / 3])(
    'at a fractional rate of %s events/s, a platform that waits exactly its Retry-After is let in',
    (rate) => {
      let now = 0;
      const rl = createRateLimiter(() => now);
      for (let i = 0; i < 20; i++) {
        const r = rl.take('p', rate, 1);
        if (r.ok) continue;
        now += r.retryAfterSec * 1000;
        expect(rl.take('p', rate, 1), `after waiting ${r.retryAfterSec} s`).toEqual({ ok: true });
      }
      // And the rate holds: 20 requests of one event took at least (20 − capacity) / rate seconds.
      expect(now / 1000).toBeGreaterThanOrEqual((20 - Math.max(1, rate)) / rate - 1e-6);
    },
  );

  it('lets an oversized batch through a full bucket, leaving debt', () => {
    let now = 0;
    const rl = createRateLimiter(() => now);
    expect(rl.take('p', 10, 50)).toEqual({ ok: true });
    expect(rl.take('p', 10, 1)).toEqual({ ok: false, retryAfterSec: 5 });
    now += 4000;
    expect(rl.take('p', 10, 1)).toEqual({ ok: false, retryAfterSec: 1 });
    now += 1000;
    expect(rl.take('p', 10, 1)).toEqual({ ok: true });
  });

  it('keeps the long-run rate under sustained load', () => {
    let now = 0;
    const rl = createRateLimiter(() => now);
    let taken = 0;
    for (; now < 60_000; now += 7) if (rl.take('p', 1000, 100).ok) taken += 100;
    expect(taken).toBeLessThanOrEqual(1000 * 61);
    expect(taken).toBeGreaterThanOrEqual(1000 * 59);
  });

  it('a wall clock stepped back (NTP) does not lock the platform out: a platform that waits its Retry-After is let in', () => {
    let now = Date.UTC(2026, 10, 30, 12);
    const rl = createRateLimiter(() => now);
    expect(rl.take('p', 10, 10)).toEqual({ ok: true });
    now -= 3_600_000; // the server's clock is stepped back an hour
    expect(rl.take('p', 10, 10)).toEqual({ ok: false, retryAfterSec: 1 });
    now += 1000;
    expect(rl.take('p', 10, 10)).toEqual({ ok: true });
  });

  it('an idle platform gets back one second of its rate, not every token it did not use', () => {
    let now = 0;
    const rl = createRateLimiter(() => now);
    expect(rl.take('p', 10, 10)).toEqual({ ok: true });
    now += 60_000;
    expect(rl.take('p', 10, 10)).toEqual({ ok: true });
    expect(rl.take('p', 10, 1)).toEqual({ ok: false, retryAfterSec: 1 });
  });

  it('keeps buckets apart and refunds up to the capacity', () => {
    const rl = createRateLimiter(() => 0);
    expect(rl.take('a', 5, 5)).toEqual({ ok: true });
    expect(rl.take('b', 5, 5)).toEqual({ ok: true });
    rl.refund('a', 5, 100);
    expect(rl.take('a', 5, 5)).toEqual({ ok: true });
    expect(rl.take('a', 5, 1).ok).toBe(false);
  });
});
