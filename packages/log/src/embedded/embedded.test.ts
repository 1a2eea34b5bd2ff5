import { describe, expect, it } from 'vitest';
import { isLogError } from '../errors';
import { describeLogContract, FAST_CONSUMER, waitFor } from '../testing/log-contract';
import type { Batch, TopicPartition } from '../types';
import { createEmbeddedLog } from './log';

describeLogContract('embedded', () => createEmbeddedLog());

describe('embedded log', () => {
  it('splits a group round-robin between two members and hands partitions over on rebalance', async () => {
    const log = createEmbeddedLog();
    await log.admin().ensureTopics([{ name: 't', partitions: 4 }]);
    const assignments: { member: string; tps: TopicPartition[]; generation: number }[] = [];
    const seen = new Map<string, string>();
    const start = (member: string) => {
      const c = log.consumer({ groupId: 'g', ...FAST_CONSUMER });
      return c
        .start({
          topics: ['t'],
          fromBeginning: true,
          onAssigned: (tps, generation) => void assignments.push({ member, tps, generation }),
          onBatch: async (b: Batch) => {
            for (const r of b.records) seen.set(`${r.partition}/${r.offset}`, member);
          },
        })
        .then(() => c);
    };
    const a = await start('a');
    const b = await start('b');
    await waitFor(
      'both assigned in generation 2',
      () => assignments.filter((x) => x.generation === 2).length === 2,
    );
    const gen2 = assignments.filter((x) => x.generation === 2);
    expect(gen2.find((x) => x.member === 'a')?.tps.map((tp) => tp.partition)).toEqual([0, 2]);
    expect(gen2.find((x) => x.member === 'b')?.tps.map((tp) => tp.partition)).toEqual([1, 3]);

    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    await log.producer().send(keys.map((key) => ({ topic: 't', key, value: key })));
    await waitFor('all consumed', () => seen.size === 40);
    for (const [where, member] of seen) {
      expect(Number(where.split('/')[0]) % 2 === 0 ? 'a' : 'b').toBe(member);
    }

    await b.stop();
    await waitFor('a owns all in generation 3', () =>
      assignments.some((x) => x.member === 'a' && x.generation === 3 && x.tps.length === 4),
    );
    await log.producer().send(keys.map((key) => ({ topic: 't', key, value: `${key}-2` })));
    await waitFor('second round consumed by a', () => seen.size === 80);
    expect([...seen.values()].slice(40).every((m) => m === 'a')).toBe(true);
    await a.stop();
    await log.close();
  });

  it('heartbeat rejects with rebalancing once the member lost its generation; the batch goes to the next owner', async () => {
    const log = createEmbeddedLog();
    await log.admin().ensureTopics([{ name: 't', partitions: 1 }]);
    await log.producer().send([{ topic: 't', key: 'k', value: 'v' }]);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const errors: unknown[] = [];
    const deliveredTo: string[] = [];
    const first = log.consumer({ groupId: 'g', ...FAST_CONSUMER });
    await first.start({
      topics: ['t'],
      fromBeginning: true,
      onBatch: async (_b, ctx) => {
        deliveredTo.push('first');
        await gate;
        try {
          await ctx.heartbeat();
        } catch (err) {
          errors.push(err);
          throw err;
        }
      },
    });
    await waitFor('first has the batch', () => deliveredTo.length === 1);
    const second = log.consumer({ groupId: 'g', ...FAST_CONSUMER });
    await second.start({
      topics: ['t'],
      fromBeginning: true,
      onBatch: async () => void deliveredTo.push('second'),
    });
    release();
    // Round-robin gives the only partition to the older member again, in the new generation.
    await waitFor('redelivered', () => deliveredTo.length >= 2);
    expect(isLogError(errors[0], 'rebalancing')).toBe(true);
    expect(await log.admin().committedOffsets('g', 't')).toEqual([{ partition: 0, offset: '1' }]);
    await log.close();
  });

  it('creates topics on first use only when asked to, with the default partition count', async () => {
    const auto = createEmbeddedLog({ partitions: 3, autoCreateTopics: true });
    await auto.producer().send([{ topic: 'x', key: 'k', value: 'v' }]);
    expect((await auto.admin().endOffsets('x')).length).toBe(3);
    const producer = auto.producer();
    await auto.close();
    expect(() => auto.producer()).toThrow(/closed/);
    await expect(producer.send([])).rejects.toSatisfy((e) => isLogError(e, 'closed'));
  });

  it('simulates an unavailable log for ingest tests', async () => {
    const log = createEmbeddedLog();
    await log.admin().ensureTopics([{ name: 't', partitions: 1 }]);
    const producer = log.producer();
    log.setUnavailable(true);
    await expect(producer.send([{ topic: 't', key: 'k', value: 'v' }])).rejects.toSatisfy((e) =>
      isLogError(e, 'unavailable'),
    );
    expect(producer.isConnected()).toBe(false);
    log.setUnavailable(false);
    await producer.send([{ topic: 't', key: 'k', value: 'v' }]);
    expect(producer.isConnected()).toBe(true);
    expect(await log.admin().endOffsets('t')).toEqual([{ partition: 0, offset: '1' }]);
    await producer.disconnect();
    await expect(producer.send([{ topic: 't', key: 'k', value: 'v' }])).rejects.toSatisfy((e) =>
      isLogError(e, 'closed'),
    );
  });

  it('keeps ensureTopics idempotent and the first partition count', async () => {
    const log = createEmbeddedLog();
    await log.admin().ensureTopics([{ name: 't', partitions: 2 }]);
    await log.admin().ensureTopics([{ name: 't', partitions: 5 }]);
    expect((await log.admin().endOffsets('t')).length).toBe(2);
    await expect(log.admin().ensureTopics([{ name: 't', partitions: 0 }])).rejects.toSatisfy((e) =>
      isLogError(e, 'invalid_argument'),
    );
  });

  it('parks an idle consumer instead of polling', async () => {
    const log = createEmbeddedLog();
    await log.admin().ensureTopics([{ name: 't', partitions: 2 }]);
    let calls = 0;
    const c = log.consumer({ groupId: 'g' });
    await c.start({ topics: ['t'], onBatch: async () => void calls++ });
    const before = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 200));
    const used = process.cpuUsage(before);
    expect((used.user + used.system) / 1000).toBeLessThan(100);
    await log.producer().send([{ topic: 't', key: 'a', value: '1' }]);
    await waitFor('woken by append', () => calls === 1, 1000);
    await c.stop();
  });
});
