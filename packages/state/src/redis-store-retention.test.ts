import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, expect, it } from 'vitest';
import { deleteKeysUnder } from './delete-keys';
import { createRedisStateStore } from './redis-store';
import { onLocalRedis } from './testing/redis';
import { redisProxy } from './testing/redis-proxy';

// A full GC on demand, without starting the test process with --expose-gc.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * The detector has four partitions' commits in flight at once, each carrying a thousand learners' states:
 * whatever the store keeps of them while Redis works is copied by every young-generation GC meanwhile.
 * The store encodes a command when it is given and keeps only its bytes (outside the JS heap) until the
 * answer, which this test checks by holding the command back (a proxy) and collecting garbage.
 */
onLocalRedis('redis state store: what a command in flight keeps', (url, admin) => {
  const prefix = `retention-${randomUUID()}:`;
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
    await deleteKeysUnder(admin, prefix);
  });

  it("does not keep a commit's learner states while the commit waits for Redis", async () => {
    const proxy = await redisProxy(new URL(url));
    const store = createRedisStateStore({ url: proxy.url, keyPrefix: prefix });
    cleanups.push(
      () => proxy.close(),
      () => store.close(),
    );
    const { epoch } = await store.claimPartition('retention/0');
    let states: WeakRef<object> | undefined;
    /** Made in a function of its own: nothing in this test's frame refers to the states. */
    const startCommit = () => {
      const learners = new Map<string, string>();
      for (let l = 0; l < 1000; l++) learners.set(`L${l}`, `state of L${l} `.repeat(20));
      states = new WeakRef(learners);
      return store.commit({
        partition: 'retention/0',
        epoch,
        watermark: '0',
        learners,
        deviceStarts: [],
        outbox: 'outbox',
        deviceVersions: new Map(),
      });
    };
    // The proxy swallows what the store sends: the commit is written to the socket, not answered, until
    // the connection drops and ioredis sends it again.
    proxy.hold();
    let settled = false;
    const commit = startCommit().finally(() => {
      settled = true;
    });
    // A WeakRef's target stays alive until the job that made it ends; then collect.
    await sleep(30);
    gc();
    const inFlight = !settled;
    const collected = states?.deref() === undefined;
    proxy.dropAll();
    expect(await commit).toBe('ok');
    expect({ inFlight, collected }).toEqual({ inFlight: true, collected: true });
    expect((await store.loadLearners(['L999'])).get('L999')).toBe('state of L999 '.repeat(20));
  });
});
