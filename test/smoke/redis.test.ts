import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { requireEnv, uniqueName } from './env';

// ioredis 5 against the local redis-server: one pipelined round trip of writes and reads.
describe('smoke: redis', () => {
  const prefix = `${uniqueName('smoke')}:`;
  let redis: Redis | undefined;

  // Setup runs inside the test (not in beforeAll) so a missing environment fails the test instead of skipping it.
  async function setUp(): Promise<Redis> {
    redis = new Redis(requireEnv('REDIS_URL'), {
      lazyConnect: true,
      maxRetriesPerRequest: 2,
      connectTimeout: 3_000,
      keyPrefix: prefix,
    });
    await redis.connect();
    return redis;
  }

  afterAll(async () => {
    if (!redis) return;
    // keyPrefix is not applied to the pattern of SCAN/KEYS, so delete by the names we used.
    await redis.del('a', 'b', 'h', 'n').catch(() => {});
    await redis.quit().catch(() => {});
  });

  it('round-trips a pipeline', async () => {
    const redis = await setUp();
    const results = await redis
      .pipeline()
      .mset('a', 'one', 'b', JSON.stringify({ learner: 'l-1', ms: 1234 }))
      .hset('h', { x: '1', y: '2' })
      .incrby('n', 5)
      .pexpire('n', 60_000)
      .mget('a', 'b', 'missing')
      .hgetall('h')
      .get('n')
      .exec();
    expect(results).not.toBeNull();
    const errors = (results ?? []).map(([error]) => error);
    expect(errors.every((error) => error === null)).toBe(true);
    const values = (results ?? []).map(([, value]) => value);
    expect(values).toEqual([
      'OK',
      2,
      5,
      1,
      ['one', JSON.stringify({ learner: 'l-1', ms: 1234 }), null],
      { x: '1', y: '2' },
      '5',
    ]);
    expect(await redis.pttl('n')).toBeGreaterThan(0);
  });
});
