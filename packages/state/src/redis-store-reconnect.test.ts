import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it } from 'vitest';
import { deleteKeysUnder } from './delete-keys';
import { isStateError } from './errors';
import { createRedisStateStore } from './redis-store';
import { onLocalRedis } from './testing/redis';
import { redisProxy } from './testing/redis-proxy';
import type { StateStore } from './types';

onLocalRedis('redis state store across reconnects', (url, admin) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** A state that names its partition, learner and commit, of a size that varies per commit (non-ASCII too). */
  const stateOf = (p: number, learner: number, k: number) =>
    `p${p}|l${learner}|k${k}|${'é'.repeat((k * 37 + learner) % 50)}${'x'.repeat((k * 101 + learner * 7) % 3000)}`;

  async function setup(commandTimeoutMs: number) {
    const proxy = await redisProxy(new URL(url));
    const prefix = `resp-${randomUUID()}:`;
    const store: StateStore = createRedisStateStore({ url: proxy.url, keyPrefix: prefix, commandTimeoutMs });
    cleanups.push(async () => {
      await proxy.close();
      await store.close();
      await deleteKeysUnder(admin, prefix);
    });
    // Store calls not yet settled, to count the drops that found some in flight.
    let pending = 0;
    const tracked = <T>(call: Promise<T>): Promise<T> => {
      pending += 1;
      return call.finally(() => {
        pending -= 1;
      });
    };
    const state = { disrupted: false, dropsWithCallsPending: 0 };
    /** `cycles` times: a quiet gap, then (holding what clients send for `holdMs`, if given) a drop. */
    async function disrupt(cycles: number, gapMs: number, holdMs: (i: number) => number) {
      for (let i = 0; i < cycles; i++) {
        await sleep(gapMs);
        const hold = holdMs(i);
        if (hold > 0) {
          proxy.hold();
          await sleep(hold);
        }
        if (pending > 0) state.dropsWithCallsPending += 1;
        proxy.dropAll();
      }
      state.disrupted = true;
    }
    return { prefix, store, tracked, state, disrupt };
  }

  it('stores every learner state exactly as its commit sent it when connections drop with commits in flight and queued', async () => {
    const { prefix, store, tracked, state, disrupt } = await setup(20_000);
    const PARTITIONS = 5;
    const LEARNERS = 40;
    const problems: string[] = [];

    async function partitionLoop(p: number): Promise<number> {
      const partition = `resp-t/${p}`;
      const { epoch } = await tracked(store.claimPartition(partition));
      let k = 0;
      while (!state.disrupted || k < 5) {
        k += 1;
        const learners = new Map<string, string>();
        for (let l = 0; l < LEARNERS; l++) learners.set(`p${p}-l${l}`, stateOf(p, l, k));
        const outcome = await tracked(
          store.commit({
            partition,
            epoch,
            watermark: String(k),
            learners,
            deviceStarts: [],
            outbox: Buffer.from(`outbox of p${p} k${k} ${'o'.repeat(k * 13)}`),
            deviceVersions: new Map(),
          }),
        );
        if (outcome !== 'ok') problems.push(`p${p} k${k}: ${outcome}`);
        // A read through the same prepared path (MGET) between commits, reusing the same spare buffers.
        const loaded = await tracked(store.loadLearners([...learners.keys(), `p${p}-nobody`]));
        for (const [id, s] of learners) {
          if (loaded.get(id) !== s) problems.push(`p${p} k${k}: MGET of ${id} answered another state`);
        }
      }
      return k;
    }

    // Every other drop first holds what ioredis writes, so those commands are in flight when it drops.
    const disrupting = disrupt(12, 120, (i) => (i % 2 === 0 ? 15 : 0));
    const lasts = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => partitionLoop(p)));
    await disrupting;

    expect(problems).toEqual([]);
    expect(state.dropsWithCallsPending).toBeGreaterThanOrEqual(6);
    for (let p = 0; p < PARTITIONS; p++) {
      const last = lasts[p] as number;
      const ids = Array.from({ length: LEARNERS }, (_, l) => `${prefix}l:{p${p}-l${l}}`);
      expect(await admin.mget(ids)).toEqual(Array.from({ length: LEARNERS }, (_, l) => stateOf(p, l, last)));
      expect(await admin.get(`${prefix}p:{resp-t/${p}}:watermark`)).toBe(String(last));
      expect(await admin.get(`${prefix}p:{resp-t/${p}}:outbox`)).toBe(
        `outbox of p${p} k${last} ${'o'.repeat(last * 13)}`,
      );
    }
  }, 120_000);

  it('stores and reads only states that commits sent when commits time out while held, are resent after the drop, and are retried', async () => {
    const { prefix, store, tracked, state, disrupt } = await setup(300);
    const PARTITIONS = 3;
    const LEARNERS = 30;
    let timeouts = 0;
    const problems: string[] = [];
    const sent = new Map<string, Set<string>>();

    /** MGETs the partition's learners (and one unknown), each answered with a state some commit sent. */
    async function readBack(p: number): Promise<void> {
      const ids = [...Array.from({ length: LEARNERS }, (_, l) => `p${p}-l${l}`), `p${p}-nobody`];
      const loaded = await tracked(store.loadLearners(ids));
      for (const [id, s] of loaded) {
        if (!sent.get(id)?.has(s)) problems.push(`MGET of ${id} answered a state no commit sent`);
      }
    }
    const unavailable = (err: unknown) => {
      if (!isStateError(err, 'unavailable')) throw err;
      timeouts += 1;
    };

    async function partitionLoop(p: number): Promise<void> {
      const partition = `resp-t/${p}`;
      let epoch = 0;
      for (;;) {
        try {
          epoch = (await tracked(store.claimPartition(partition))).epoch;
          break;
        } catch (err) {
          unavailable(err);
        }
      }
      let k = 0;
      while (!state.disrupted || k < 5) {
        k += 1;
        const learners = new Map<string, string>();
        for (let l = 0; l < LEARNERS; l++) {
          const id = `p${p}-l${l}`;
          learners.set(id, stateOf(p, l, k));
          const states = sent.get(id) ?? new Set<string>();
          states.add(stateOf(p, l, k));
          sent.set(id, states);
        }
        for (;;) {
          try {
            const request = {
              partition,
              epoch,
              watermark: String(k),
              learners,
              deviceStarts: [],
              outbox: `o${k}`,
              deviceVersions: new Map(),
            };
            const outcome = await tracked(store.commit(request));
            if (outcome !== 'ok') problems.push(`p${p} k${k}: ${outcome}`);
            break;
          } catch (err) {
            unavailable(err);
            // Another command before the retry (as the detector's next attempt reads first): it is given
            // the first spare buffer, which must not be the one of the commit that timed out.
            await readBack(p).catch(unavailable);
          }
        }
      }
    }

    // Holds longer than the command timeout: the held commands time out, and ioredis still resends them
    // after the drop. Quiet gaps long enough to reconnect (retryStrategy: 100 ms first) and commit.
    const disrupting = disrupt(5, 350, () => 400);
    await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => partitionLoop(p)));
    await disrupting;
    // Let commands that timed out but are still queued be written and answered.
    await sleep(1000);

    expect(timeouts).toBeGreaterThan(0);
    expect(state.dropsWithCallsPending).toBeGreaterThanOrEqual(3);
    expect(problems).toEqual([]);
    for (const [id, states] of sent) {
      const stored = await admin.get(`${prefix}l:{${id}}`);
      expect(stored !== null && states.has(stored), `state of ${id}`).toBe(true);
    }
  }, 120_000);
});
