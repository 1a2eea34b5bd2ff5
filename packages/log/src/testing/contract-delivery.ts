import { expect, it } from 'vitest';
import { partitionFor } from '../partition';
import type { BatchContext, TopicPartition } from '../types';
import { type ContractFixture, collector, records, sleep, unique, waitFor } from './fixture';

/** Delivery: groups, commits, order, redelivery, graceful stop. */
export function deliveryContract(f: ContractFixture): void {
  it('consumes in a group, commits after onBatch, and a new member resumes after the committed offset', async () => {
    const topic = await f.topicWith(3, 'resume');
    const group = unique('g-resume');
    const producer = f.log().producer();
    await producer.connect();
    expect(producer.isConnected()).toBe(true);
    await producer.send(records(topic, 30));

    const first = collector();
    const a = f.consumer(group);
    await a.start({ topics: [topic], fromBeginning: true, onBatch: first.onBatch });
    await waitFor('30 records', () => first.records.length >= 30);
    await a.stop();
    expect(first.records.map((r) => r.value).sort()).toEqual(
      records(topic, 30)
        .map((r) => r.value)
        .sort(),
    );
    await f.expectCommittedAtEnd(group, topic);

    await producer.send(records(topic, 10, 30));
    const second = collector();
    const b = f.consumer(group);
    await b.start({ topics: [topic], fromBeginning: true, onBatch: second.onBatch });
    await waitFor('10 new records', () => second.records.length >= 10);
    await sleep(300);
    await b.stop();
    expect(second.records.map((r) => r.value).sort()).toEqual(
      records(topic, 10, 30)
        .map((r) => r.value)
        .sort(),
    );
    await f.expectCommittedAtEnd(group, topic);
    await producer.disconnect();
    expect(producer.isConnected()).toBe(false);
  });

  it('keeps the order of records with the same key, across concurrent sends, in the murmur2 partition', async () => {
    const partitions = 4;
    const topic = await f.topicWith(partitions, 'order');
    const producer = f.log().producer();
    const keys = ['alice', 'bob', 'carol', 'dave', 'erin', '学员-7'];
    const sends: Promise<void>[] = [];
    for (let round = 0; round < 20; round++) {
      sends.push(producer.send(keys.map((key) => ({ topic, key, value: `${key}:${round}` }))));
    }
    await Promise.all(sends);

    const got = collector();
    const c = f.consumer(unique('g-order'));
    await c.start({ topics: [topic], fromBeginning: true, onBatch: got.onBatch });
    await waitFor('all records', () => got.records.length >= keys.length * 20);
    await c.stop();
    for (const key of keys) {
      const mine = got.records.filter((r) => r.key === key);
      expect(mine.map((r) => r.value)).toEqual(Array.from({ length: 20 }, (_, i) => `${key}:${i}`));
      expect(new Set(mine.map((r) => r.partition))).toEqual(new Set([partitionFor(key, partitions)]));
    }
    for (const b of got.batches) {
      const first = BigInt(b.records[0]?.offset ?? '0');
      expect(b.records.map((r) => BigInt(r.offset) - first)).toEqual(b.records.map((_, i) => BigInt(i)));
    }
  });

  it('redelivers the same records after onBatch throws and commits nothing until it succeeds', async () => {
    const topic = await f.topicWith(1, 'retry');
    const group = unique('g-retry');
    await f.log().producer().send(records(topic, 5));
    const attempts: string[][] = [];
    let committedWhileFailing: (string | null)[] | undefined;
    const c = f.consumer(group);
    await c.start({
      topics: [topic],
      fromBeginning: true,
      onBatch: async (batch) => {
        attempts.push(batch.records.map((r) => r.offset));
        if (attempts.length === 3) committedWhileFailing = await f.committed(group, topic);
        if (attempts.length <= 3) throw new Error(`induced failure ${attempts.length}`);
      },
    });
    await waitFor('4 attempts', () => attempts.length >= 4);
    await c.stop();
    expect(attempts[0]).toEqual(['0', '1', '2', '3', '4']);
    expect(attempts.slice(0, 4)).toEqual([attempts[0], attempts[0], attempts[0], attempts[0]]);
    expect(committedWhileFailing).toEqual([null]);
    expect(await f.committed(group, topic)).toEqual(['5']);
  });

  it('stop() ends a retry loop promptly without committing the failing records', async () => {
    const topic = await f.topicWith(1, 'stop-retry');
    const group = unique('g-stop-retry');
    await f.log().producer().send(records(topic, 2));
    let attempts = 0;
    const c = f.consumer(group, { retryInitialMs: 2000, retryMaxMs: 10_000 });
    await c.start({
      topics: [topic],
      fromBeginning: true,
      onBatch: async () => {
        attempts++;
        throw new Error('always failing');
      },
    });
    await waitFor('first attempt', () => attempts >= 1);
    const started = Date.now();
    await c.stop();
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await f.committed(group, topic)).toEqual([null]);
  });

  it('starts at the end of the log without fromBeginning, and respects maxBatchSize', async () => {
    const topic = await f.topicWith(1, 'latest');
    const producer = f.log().producer();
    await producer.send(records(topic, 5));
    const got = collector();
    const c = f.consumer(unique('g-latest'), { maxBatchSize: 4 });
    await c.start({ topics: [topic], onBatch: got.onBatch });
    await sleep(300);
    await producer.send(records(topic, 10, 5));
    await waitFor('10 new records', () => got.records.length >= 10);
    await c.stop();
    expect(got.records.map((r) => r.value)).toEqual(records(topic, 10, 5).map((r) => r.value));
    expect(Math.max(...got.batches.map((b) => b.records.length))).toBeLessThanOrEqual(4);
  });

  it('stop() finishes the batch in flight, commits it, and leaves the group', async () => {
    const topic = await f.topicWith(1, 'stop');
    const group = unique('g-stop');
    await f.log().producer().send(records(topic, 3));
    let entered = false;
    let finished = false;
    let runningAtEnd: boolean | undefined;
    const c = f.consumer(group);
    await c.start({
      topics: [topic],
      fromBeginning: true,
      onBatch: async (_batch, ctx: BatchContext) => {
        entered = true;
        await sleep(500);
        runningAtEnd = ctx.isRunning();
        finished = true;
      },
    });
    await waitFor('batch in flight', () => entered);
    await c.stop();
    expect(finished).toBe(true);
    expect(runningAtEnd).toBe(false);
    expect(await f.committed(group, topic)).toEqual(['3']);

    // The group is free: a new member gets the partition at once and sees nothing left to do.
    const again = collector();
    const assigned: TopicPartition[][] = [];
    const d = f.consumer(group);
    await d.start({ topics: [topic], onBatch: again.onBatch, onAssigned: (tp) => void assigned.push(tp) });
    await waitFor('assignment', () => assigned.length > 0);
    await d.stop();
    expect(assigned[0]).toEqual([{ topic, partition: 0 }]);
    expect(again.records).toEqual([]);
  });
}
