import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { deleteKeysUnder } from './delete-keys';
import { isStateError } from './errors';
import { createRedisStateStore, windowVersion } from './redis-store';
import { describeStateStoreContract } from './testing/contract';
import { freePort, startOwnRedis } from './testing/own-redis';
import { onLocalRedis } from './testing/redis';

onLocalRedis('redis state store', (url, admin) => {
  const deleteByPrefix = (prefix: string) => deleteKeysUnder(admin, prefix);

  const uniquePrefix = () => `hgtest:${randomUUID()}:`;

  describeStateStoreContract('redis', async (limits) => {
    const prefix = uniquePrefix();
    const store = createRedisStateStore({ url, keyPrefix: prefix, ...limits });
    return {
      store,
      advance: (ms) => sleep(ms),
      cleanup: async () => {
        await store.close();
        await deleteByPrefix(prefix);
      },
    };
  });

  describe('redis state store specifics', () => {
    // Found in review: MGET answers nil for a hash as for a missing key, so the detector ran the learner
    // from an empty state and its commit replaced the hash.
    it('refuses as corrupt a learner key that holds another type, instead of reading it as no state', async () => {
      const prefix = uniquePrefix();
      const store = createRedisStateStore({ url, keyPrefix: prefix });
      try {
        await admin.hset(`${prefix}l:{L7}`, 'x', '1');
        await admin.set(`${prefix}l:{L8}`, 'S8');
        await expect(store.loadLearners(['L8', 'L7', 'L9'])).rejects.toSatisfy(
          (e) => isStateError(e, 'corrupt') && /learner "L7" holds a hash/.test((e as Error).message),
        );
        await admin.del(`${prefix}l:{L7}`);
        expect(await store.loadLearners(['L8', 'L7', 'L9'])).toEqual(new Map([['L8', 'S8']]));
        expect(await admin.type(`${prefix}l:{L7}`)).toBe('none');
      } finally {
        await store.close();
        await deleteByPrefix(prefix);
      }
    });

    it('lays keys out with hash tags and sets expiries on learners and devices', async () => {
      const prefix = uniquePrefix();
      const store = createRedisStateStore({
        url,
        keyPrefix: prefix,
        learnerTtlSec: 100,
        deviceWindowMs: 60_000,
      });
      try {
        const { epoch } = await store.claimPartition('t/0');
        await store.commit({
          partition: 't/0',
          epoch,
          watermark: '5',
          learners: new Map([['a', 'A']]),
          deviceStarts: [{ deviceId: 'd', learnerId: 'a', timeMs: 1000 }],
          outbox: 'o',
          deviceVersions: new Map(),
        });
        const keys = (await admin.keys(`${prefix}*`)).sort();
        expect(keys).toEqual(
          ['d:{d}', 'l:{a}', 'p:{t/0}:epoch', 'p:{t/0}:outbox', 'p:{t/0}:watermark'].map((k) => prefix + k),
        );
        const learnerTtl = await admin.pttl(`${prefix}l:{a}`);
        expect(learnerTtl).toBeGreaterThan(99_000);
        expect(learnerTtl).toBeLessThanOrEqual(100_000);
        expect(await admin.pttl(`${prefix}d:{d}`)).toBeGreaterThan(86_400_000); // max(learner ttl, window + 1 day)
        expect(await admin.pttl(`${prefix}p:{t/0}:watermark`)).toBe(-1); // partition records never expire
      } finally {
        await store.close();
        await deleteByPrefix(prefix);
      }
    });

    it('survives SCRIPT FLUSH (NOSCRIPT falls back to EVAL)', async () => {
      const prefix = uniquePrefix();
      const store = createRedisStateStore({ url, keyPrefix: prefix });
      try {
        const { epoch } = await store.claimPartition('t/0');
        await admin.script('FLUSH');
        const commit = {
          partition: 't/0',
          epoch,
          watermark: '1',
          learners: new Map(),
          deviceStarts: [],
          outbox: '',
          deviceVersions: new Map(),
        };
        expect(await store.commit(commit)).toBe('ok');
        await admin.script('FLUSH');
        expect((await store.claimPartition('t/0')).watermark).toBe('1');
      } finally {
        await store.close();
        await deleteByPrefix(prefix);
      }
    });

    it('reports corrupt (and writes nothing) when a device key holds another type', async () => {
      const prefix = uniquePrefix();
      const store = createRedisStateStore({ url, keyPrefix: prefix });
      try {
        await admin.set(`${prefix}d:{d}`, 'not a zset');
        const { epoch } = await store.claimPartition('t/0');
        const commit = {
          partition: 't/0',
          epoch,
          watermark: '1',
          learners: new Map([['a', 'A']]),
          deviceStarts: [{ deviceId: 'd', learnerId: 'a', timeMs: 1 }],
          outbox: '',
          deviceVersions: new Map(),
        };
        await expect(store.commit(commit)).rejects.toSatisfy((e) => isStateError(e, 'corrupt'));
        expect(await store.loadLearners(['a'])).toEqual(new Map());
      } finally {
        await store.close();
        await deleteByPrefix(prefix);
      }
    });

    it('refuses an injected client with a keyPrefix of its own (the commit is sent unprefixed)', () => {
      const client = new Redis(url, { lazyConnect: true, keyPrefix: 'other:' });
      expect(() => createRedisStateStore({ url: '', redis: client })).toThrow(/keyPrefix/);
      client.disconnect();
    });

    it('does not close an injected client', async () => {
      const client = new Redis(url, { lazyConnect: true });
      const store = createRedisStateStore({ url: 'unused', redis: client, keyPrefix: uniquePrefix() });
      await store.ping();
      await store.close();
      expect(await client.ping()).toBe('PONG');
      await client.quit();
    });

    it('rejects with unavailable within the bound when Redis is not there', async () => {
      const port = await freePort();
      const store = createRedisStateStore({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 1500 });
      const started = Date.now();
      try {
        await expect(store.ping()).rejects.toSatisfy((e) => isStateError(e, 'unavailable'));
        await expect(store.loadLearners(['a'])).rejects.toSatisfy((e) => isStateError(e, 'unavailable'));
        expect(Date.now() - started).toBeLessThan(4000);
      } finally {
        await store.close();
      }
    });
  });
});

// Found in review: the prepared commit (resp.ts) answers NOSCRIPT with SCRIPT LOAD and one resend, where
// ioredis's script fell back to EVAL, which cannot meet NOSCRIPT. Scripts lost again before the resend (a
// second restart or flush) made the commit reject with NOSCRIPT as 'unexpected'.
describe('redis state store: scripts lost again while a commit recovers from NOSCRIPT', () => {
  it('commits when the script is flushed again between its SCRIPT LOAD and the resent EVALSHA', async () => {
    const own = await startOwnRedis();
    const client = new Redis(own.url, { lazyConnect: true });
    const store = createRedisStateStore({ url: 'unused', redis: client, keyPrefix: 'resp-noscript:' });
    try {
      const { epoch } = await store.claimPartition('t/0');
      await own.admin.script('FLUSH');
      // The first SCRIPT LOAD of the commit's recovery is followed by another flush before the resend.
      const load = client.script.bind(client) as (...args: unknown[]) => Promise<unknown>;
      let flushes = 1;
      (client as unknown as { script: (...args: unknown[]) => Promise<unknown> }).script = async (
        ...args
      ) => {
        const reply = await load(...args);
        if (flushes-- > 0) await own.admin.script('FLUSH');
        return reply;
      };
      const commit = {
        partition: 't/0',
        epoch,
        watermark: '1',
        learners: new Map([['a', 'A']]),
        deviceStarts: [],
        outbox: 'o',
        deviceVersions: new Map(),
      };
      expect(await store.commit(commit)).toBe('ok');
      expect(flushes).toBe(-1);
      expect(await store.loadLearners(['a'])).toEqual(new Map([['a', 'A']]));
    } finally {
      await store.close();
      client.disconnect();
      await own.stop();
    }
  });
});

describe('windowVersion (the client side of the commit script’s window version)', () => {
  it('is SHA-1 over each element of the ZRANGE reply as <UTF-8 byte length>:<element>, and null when empty', () => {
    expect(windowVersion([])).toBeNull();
    // sha1("3:a|11:1") and sha1("4:é|71:7"): é is two bytes.
    expect(windowVersion(['a|1', '1'])).toBe('a50be7fc6916a4afb9dda7b5bda7fe82d6a4cf34');
    expect(windowVersion(['é|7', '7'])).toBe('4534f96f4ec2d290623b8cda20b08690b5296e9e');
    // Lengths keep element boundaries: the same characters split differently are another window.
    expect(windowVersion(['a|1', '12'])).not.toBe(windowVersion(['a|11', '2']));
  });
});
