import { expect, it } from 'vitest';
import { isLogError } from '../errors';
import { partitionFor } from '../partition';
import type { LogConsumer, LogRecord, TopicPartition } from '../types';
import { type ContractFixture, collector, FAST_CONSUMER, records, sleep, unique, waitFor } from './fixture';

/** Seeking, assignment callbacks, offsets reporting and typed errors. */
export function controlContract(f: ContractFixture): void {
  it('seeks: rewinds a partition, and a batch in flight during seek is not committed', async () => {
    const topic = await f.topicWith(1, 'seek');
    const group = unique('g-seek');
    await f.log().producer().send(records(topic, 10));
    const seen: string[] = [];
    let rewound = false;
    // The first offset of the batch in flight during the seek, and what was committed when the
    // records from 4 came again: that batch must not have been committed in between.
    let inFlightFrom = '';
    let committedAtRedelivery: (string | null)[] | undefined;
    const c = f.consumer(group);
    await c.start({
      topics: [topic],
      fromBeginning: true,
      onBatch: async (batch) => {
        if (rewound && committedAtRedelivery === undefined && batch.records[0]?.offset === '4') {
          committedAtRedelivery = await f.committed(group, topic);
        }
        seen.push(...batch.records.map((r) => r.offset));
        if (!rewound && batch.records.some((r) => r.offset === '9')) {
          rewound = true;
          inFlightFrom = batch.records[0]?.offset ?? '';
          c.seek(topic, 0, '4');
        }
      },
    });
    await waitFor('redelivery from 4', () => rewound && seen.filter((o) => o === '9').length >= 2);
    await sleep(300);
    await c.stop();
    const firstNine = seen.indexOf('9');
    expect(seen.slice(firstNine + 1)).toEqual(['4', '5', '6', '7', '8', '9']);
    expect(committedAtRedelivery).toHaveLength(1);
    expect(Number(committedAtRedelivery?.[0] ?? 0)).toBeLessThanOrEqual(Number(inFlightFrom));
    expect(await f.committed(group, topic)).toEqual(['10']);
    expect(() => c.seek(topic, 0, '-1')).toThrow();
  });

  it('seeks from onAssigned before the first batch is delivered', async () => {
    const topic = await f.topicWith(1, 'seek-assigned');
    await f.log().producer().send(records(topic, 6));
    const got = collector();
    const c = f.consumer(unique('g-seek-assigned'));
    await c.start({
      topics: [topic],
      fromBeginning: true,
      onAssigned: () => c.seek(topic, 0, '3'),
      onBatch: got.onBatch,
    });
    await waitFor('records from 3', () => got.records.length >= 3);
    await c.stop();
    expect(got.records.map((r) => r.offset)).toEqual(['3', '4', '5']);
  });

  it('calls onAssigned with the assignment and generation before delivering batches of it', async () => {
    const topic = await f.topicWith(2, 'assigned');
    await f.log().producer().send(records(topic, 4));
    const events: string[] = [];
    let generation: number | undefined;
    const generations = new Set<number>();
    const c = f.consumer(unique('g-assigned'));
    let failOnce = true;
    await c.start({
      topics: [topic],
      fromBeginning: true,
      onAssigned: async (tps, gen) => {
        events.push(
          `assigned:${tps.map((tp) => `${tp.topic === topic ? 't' : '?'}${tp.partition}`).join(',')}`,
        );
        if (failOnce) {
          failOnce = false;
          throw new Error('induced onAssigned failure');
        }
        generation = gen;
      },
      onBatch: async (batch, ctx) => {
        events.push('batch');
        generations.add(ctx.generation);
        await ctx.heartbeat();
        expect(batch.records.length).toBeGreaterThan(0);
      },
    });
    await waitFor('batches', () => events.filter((e) => e === 'batch').length >= 1);
    await c.stop();
    expect(events.slice(0, 2)).toEqual(['assigned:t0,t1', 'assigned:t0,t1']);
    expect(events.indexOf('batch')).toBe(2);
    expect(Number.isInteger(generation)).toBe(true);
    expect([...generations]).toEqual([generation]);
  });

  it('a consumer is healthy from its start (joined) to its stop, and not before or after', async () => {
    const topic = await f.topicWith(1, 'healthy');
    const c = f.consumer(unique('g-healthy'));
    expect(c.isHealthy()).toBe(false);
    await c.start({ topics: [topic], onBatch: async () => {} });
    expect(c.isHealthy()).toBe(true);
    await c.stop();
    expect(c.isHealthy()).toBe(false);
  });

  it('refuses to consume a topic that does not exist', async () => {
    const c = f.consumer(unique('g-missing'));
    await expect(c.start({ topics: [unique('missing')], onBatch: async () => {} })).rejects.toSatisfy((e) =>
      isLogError(e, 'unknown_topic'),
    );
  });

  it('reports end offsets and committed offsets like Kafka', async () => {
    const topic = await f.topicWith(2, 'offsets');
    const group = unique('g-offsets');
    expect(await f.log().admin().endOffsets(topic)).toEqual([
      { partition: 0, offset: '0' },
      { partition: 1, offset: '0' },
    ]);
    expect(await f.log().admin().committedOffsets(group, topic)).toEqual([
      { partition: 0, offset: null },
      { partition: 1, offset: null },
    ]);
    const sent = records(topic, 12);
    await f.log().producer().send(sent);
    const perPartition = [0, 1].map((p) => sent.filter((r) => partitionFor(r.key, 2) === p).length);
    expect(await f.ends(topic)).toEqual(perPartition.map(String));
    // Nothing deleted yet: every partition still starts at 0.
    expect(await f.log().admin().startOffsets(topic)).toEqual([
      { partition: 0, offset: '0' },
      { partition: 1, offset: '0' },
    ]);

    const got = collector();
    const c = f.consumer(group);
    await c.start({ topics: [topic], fromBeginning: true, onBatch: got.onBatch });
    await waitFor('12 records', () => got.records.length >= 12);
    await c.stop();
    expect(perPartition.every((n) => n > 0)).toBe(true);
    expect(await f.committed(group, topic)).toEqual(perPartition.map(String));

    const missing = unique('missing');
    await expect(f.log().admin().endOffsets(missing)).rejects.toSatisfy((e) =>
      isLogError(e, 'unknown_topic'),
    );
    await expect(f.log().admin().committedOffsets(group, missing)).rejects.toSatisfy((e) =>
      isLogError(e, 'unknown_topic'),
    );
  });

  it('rejects sends to a topic that was never created, and bad records, with typed errors', async () => {
    const producer = f.log().producer();
    await expect(producer.send([{ topic: unique('nope'), key: 'k', value: 'v' }])).rejects.toSatisfy((e) =>
      isLogError(e, 'unknown_topic'),
    );
    const topic = await f.topicWith(1, 'bad');
    await expect(producer.send([{ topic, key: 1 as unknown as string, value: 'v' }])).rejects.toSatisfy((e) =>
      isLogError(e, 'invalid_argument'),
    );
    await producer.send([]);
    expect(await f.ends(topic)).toEqual(['0']);
  });

  it('ignores a seek of a partition another member owns, also once a rebalance brings it here', async () => {
    const topic = await f.topicWith(2, 'seek-foreign');
    const group = unique('g-seek-foreign');
    const got = new Map<string, LogRecord[]>();
    const owned = new Map<string, TopicPartition[]>();
    const consumers: LogConsumer[] = [];
    const start = async (member: string): Promise<LogConsumer> => {
      const c = f.log().consumer({ groupId: group, ...FAST_CONSUMER });
      consumers.push(c);
      got.set(member, []);
      await c.start({
        topics: [topic],
        fromBeginning: true,
        onAssigned: (tps) => void owned.set(member, tps),
        onBatch: async (b) => void got.get(member)?.push(...b.records),
      });
      return c;
    };
    try {
      const a = await start('a');
      const b = await start('b');
      await waitFor(
        'one partition each',
        () => owned.get('a')?.length === 1 && owned.get('b')?.length === 1,
        30_000,
      );
      const keyOn = (p: number) => {
        for (let i = 0; ; i++) if (partitionFor(`k${i}`, 2) === p) return `k${i}`;
      };
      await f
        .log()
        .producer()
        .send(
          [0, 1].flatMap((p) =>
            Array.from({ length: 5 }, (_, i) => ({ topic, key: keyOn(p), value: `${p}-${i}` })),
          ),
        );
      await waitFor('10 records', () => (got.get('a')?.length ?? 0) + (got.get('b')?.length ?? 0) >= 10);
      await sleep(500);
      const foreign = (owned.get('b') as TopicPartition[])[0] as TopicPartition;
      a.seek(topic, foreign.partition, '0');
      await sleep(500);
      got.set('a', []);
      await b.stop();
      await waitFor('a owns both partitions', () => owned.get('a')?.length === 2, 30_000);
      await sleep(2000);
      expect((got.get('a') as LogRecord[]).map((r) => `${r.partition}/${r.offset}`)).toEqual([]);
    } finally {
      for (const c of consumers) await c.stop();
    }
  }, 90_000);

  it('rejects a record over message.max.bytes and writes nothing of it', async () => {
    const topic = await f.topicWith(1, 'big');
    await expect(
      f
        .log()
        .producer()
        .send([{ topic, key: 'k', value: 'x'.repeat(2_000_000) }]),
    ).rejects.toSatisfy((e) => isLogError(e, 'rejected'));
    expect(await f.ends(topic)).toEqual(['0']);
    await f
      .log()
      .producer()
      .send([{ topic, key: 'k', value: 'x'.repeat(900_000) }]);
    expect(await f.ends(topic)).toEqual(['1']);
    // The exact edge (found in review: the embedded log refused 28 bytes early). With key 'k', a value of
    // 1,048,515 bytes makes a batch of exactly 1,048,588 bytes, the broker's default message.max.bytes.
    await f
      .log()
      .producer()
      .send([{ topic, key: 'k', value: 'x'.repeat(1_048_515) }]);
    expect(await f.ends(topic)).toEqual(['2']);
    await expect(
      f
        .log()
        .producer()
        .send([{ topic, key: 'k', value: 'x'.repeat(1_048_516) }]),
    ).rejects.toSatisfy((e) => isLogError(e, 'rejected'));
    expect(await f.ends(topic)).toEqual(['2']);
  });

  it('refuses topic names Kafka does not allow before contacting anything, on every adapter', async () => {
    for (const name of ['a b', 'a/b', '.', '..', 'ü', 'x'.repeat(250)]) {
      await expect(
        f
          .log()
          .admin()
          .ensureTopics([{ name, partitions: 1 }]),
        name,
      ).rejects.toSatisfy((e) => isLogError(e, 'invalid_argument'));
    }
  });
}
