import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStateError } from './errors';
import { createRedisStateStore } from './redis-store';
import { type OwnRedis, squeezeMemory, startOwnRedis } from './testing/own-redis';
import type { CommitRequest } from './types';

// These tests change maxmemory and the eviction policy, so they run on a redis-server of their own
// (never on the shared one).
describe('redis state store at maxmemory', () => {
  let redis: OwnRedis;
  beforeAll(async () => {
    redis = await startOwnRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  const reset = async (policy: string) => {
    await redis.admin.config('SET', 'maxmemory', '0');
    await redis.admin.config('SET', 'maxmemory-policy', policy);
    await redis.admin.flushall();
  };

  const commitOf = (
    epoch: number,
    watermark: string,
    previous: string | null,
    state: string,
  ): CommitRequest => ({
    partition: 'events/0',
    epoch,
    watermark,
    learners: new Map([['L1', state]]),
    deviceStarts: [],
    outbox: `outbox ${watermark}`,
    deviceVersions: new Map(),
    previousWatermark: previous,
  });

  // Found in review: learner and device keys carry a TTL and partition keys do not, so a volatile-*
  // policy (the default of the managed Redis services) evicts exactly the keys whose loss no check
  // notices: the detector then ran the learner from an empty state (its open session begun again, its
  // dedupe ring gone) and its commits went on as 'ok'.
  for (const policy of ['volatile-lru', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'volatile-random']) {
    it(`refuses to claim a partition on a Redis with maxmemory set and maxmemory-policy ${policy}`, async () => {
      await reset(policy);
      await redis.admin.config('SET', 'maxmemory', String(512 * 1024 * 1024));
      const store = createRedisStateStore({ url: redis.url, keyPrefix: 'redis-memory:' });
      try {
        await expect(store.claimPartition('events/0')).rejects.toSatisfy(
          (e) =>
            isStateError(e, 'unavailable') &&
            (e as Error).message.includes(`maxmemory-policy ${policy}`) &&
            (e as Error).message.includes('noeviction'),
        );
        await expect(store.ping()).rejects.toSatisfy((e) => isStateError(e, 'unavailable'));
        // Nothing was written: not even the epoch.
        expect(await redis.admin.dbsize()).toBe(0);
      } finally {
        await store.close();
      }
    });
  }

  it('claims on an evicting policy without maxmemory (Redis never evicts then), and on noeviction with it', async () => {
    await reset('allkeys-lru');
    const store = createRedisStateStore({ url: redis.url, keyPrefix: 'redis-memory:' });
    try {
      expect((await store.claimPartition('events/0')).watermark).toBeNull();
      await store.ping();
      await reset('noeviction');
      await redis.admin.config('SET', 'maxmemory', String(512 * 1024 * 1024));
      expect((await store.claimPartition('events/0')).watermark).toBeNull();
      await store.ping();
    } finally {
      await store.close();
    }
  });
  it('on noeviction over maxmemory: claim, commit and ping reject as unavailable, nothing is written, and the same commit succeeds once memory is freed', async () => {
    await reset('noeviction');
    const store = createRedisStateStore({ url: redis.url, keyPrefix: 'redis-memory:' });
    try {
      const { epoch } = await store.claimPartition('events/0');
      expect(await store.commit(commitOf(epoch, '0', null, 'S0'))).toBe('ok');
      await squeezeMemory(redis.admin);
      const request = commitOf(epoch, '1', '0', 'S1');
      await expect(store.commit(request)).rejects.toSatisfy(
        (e) => isStateError(e, 'unavailable') && /OOM/.test((e as Error).message),
      );
      await expect(store.claimPartition('events/1')).rejects.toSatisfy((e) => isStateError(e, 'unavailable'));
      // Readiness: no batch can commit, so the store is not ready though Redis answers PING.
      await expect(store.ping()).rejects.toSatisfy(
        (e) => isStateError(e, 'unavailable') && /maxmemory/.test((e as Error).message),
      );
      expect(await redis.admin.get('redis-memory:l:{L1}')).toBe('S0');
      expect(await redis.admin.get('redis-memory:p:{events/0}:watermark')).toBe('0');
      expect(await redis.admin.exists('redis-memory:p:{events/1}:epoch')).toBe(0);
      await redis.admin.config('SET', 'maxmemory', '0');
      await store.ping();
      expect(await store.commit(request)).toBe('ok');
      expect(await redis.admin.get('redis-memory:l:{L1}')).toBe('S1');
    } finally {
      await store.close();
    }
  });
});
