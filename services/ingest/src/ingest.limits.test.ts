import { LogError, type LogProducer } from '@hourglass/log';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness, heartbeat, post, TOKENS, testConfig } from './testing';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('POST /v1/events: rate limit', () => {
  it('counts events, not requests, and answers 429 with Retry-After', async () => {
    h = await createHarness({ config: testConfig({ skillupRate: 10 }) });
    const batch = (n: number) => Array.from({ length: n }, () => heartbeat({}, 'skillup'));
    const opts = { token: TOKENS.skillup };
    expect((await post(h, batch(6), opts)).statusCode).toBe(200);
    const limited = await post(h, batch(6), opts);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.json().error.code).toBe('rate_limited');
    expect((await post(h, batch(4), opts)).statusCode).toBe(200);
    h.clock.now += 1000;
    expect((await post(h, batch(10), opts)).statusCode).toBe(200);
    expect(await h.count('events')).toBe(20);
    // Other platforms have their own bucket (cvto has no limit at all).
    expect(
      (
        await post(
          h,
          batch(6).map((e) => ({ ...e, platformId: 'cvto' })),
        )
      ).statusCode,
    ).toBe(200);
  });

  it('lets a batch larger than one second of rate through a full bucket, then makes the platform wait', async () => {
    h = await createHarness({ config: testConfig({ skillupRate: 10 }) });
    const opts = { token: TOKENS.skillup };
    const big = Array.from({ length: 35 }, () => heartbeat({}, 'skillup'));
    expect((await post(h, big, opts)).statusCode).toBe(200);
    const next = await post(h, [heartbeat({}, 'skillup')], opts);
    expect(next.statusCode).toBe(429);
    expect(next.headers['retry-after']).toBe('3'); // 25 tokens of debt + 1 needed at 10/s
  });

  it('after the server clock is stepped back, a platform that waits its Retry-After is let in', async () => {
    h = await createHarness({ config: testConfig({ skillupRate: 10 }) });
    const opts = { token: TOKENS.skillup };
    const batch = () =>
      Array.from({ length: 10 }, () => heartbeat({ time: '2026-03-01T10:59:00.000Z' }, 'skillup'));
    expect((await post(h, batch(), opts)).statusCode).toBe(200);
    h.clock.now -= 3_600_000;
    const limited = await post(h, batch(), opts);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    h.clock.now += 1000;
    const again = await post(h, batch(), opts);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ accepted: 10, rejected: 0 });
  });

  it('gives the tokens back when the log is unavailable', async () => {
    h = await createHarness({ config: testConfig({ skillupRate: 10 }) });
    const opts = { token: TOKENS.skillup };
    h.log.setUnavailable(true);
    expect(
      (
        await post(
          h,
          Array.from({ length: 10 }, () => heartbeat({}, 'skillup')),
          opts,
        )
      ).statusCode,
    ).toBe(503);
    h.log.setUnavailable(false);
    expect(
      (
        await post(
          h,
          Array.from({ length: 10 }, () => heartbeat({}, 'skillup')),
          opts,
        )
      ).statusCode,
    ).toBe(200);
  });
});

describe('POST /v1/events: log unavailable', () => {
  it('answers 503 with Retry-After and accepts nothing (embedded log fault injection)', async () => {
    h = await createHarness();
    h.log.setUnavailable(true);
    const r = await post(h, [heartbeat(), heartbeat({ seq: -1 })]);
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBe('5');
    expect(r.json()).toEqual({
      error: {
        code: 'unavailable',
        message: expect.stringMatching(/nothing from this request was accepted/),
      },
    });
    expect(await h.count('events')).toBe(0);
    expect(await h.count('rejected')).toBe(0);
    // (The embedded log's connect() ignores fault injection, so /readyz is checked with the fake below.)
    h.log.setUnavailable(false);
    expect((await post(h, [heartbeat()])).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/readyz' })).statusCode).toBe(200);
  });

  it('answers 503 for a producer whose send rejects with LogError unavailable', async () => {
    const failing: LogProducer = {
      connect: async () => {},
      disconnect: async () => {},
      isConnected: () => false,
      send: async () => {
        throw new LogError('unavailable', 'broker down');
      },
    };
    h = await createHarness({ producer: () => failing });
    const r = await post(h, [heartbeat()]);
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBe('5');
    expect((await h.app.inject({ url: '/readyz' })).json()).toEqual({ ready: false, checks: { log: false } });
  });
});
