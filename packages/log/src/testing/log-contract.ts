import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLogError } from '../errors';
import { partitionFor } from '../partition';
import type {
  Batch,
  BatchContext,
  ConsumerOptions,
  Log,
  LogConsumer,
  LogRecord,
  TopicPartition,
} from '../types';

/** Consumer settings that keep Kafka group joins and retries quick in tests; the embedded log ignores the Kafka ones. */
export const FAST_CONSUMER: Omit<ConsumerOptions, 'groupId'> = {
  retryInitialMs: 50,
  retryMaxMs: 200,
  sessionTimeoutMs: 6000,
  heartbeatIntervalMs: 500,
  rebalanceTimeoutMs: 6000,
  maxWaitTimeMs: 100,
};

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const unique = (label: string) => `contract-${label}-${randomUUID().slice(0, 8)}`;

/**
 * The behaviour every log adapter promises. Each test uses its own topic and group, so the suite can run
 * against a shared broker; tests within a suite run one after the other.
 */
export function describeLogContract(name: string, makeLog: () => Log | Promise<Log>): void {
  describe(`log contract: ${name}`, () => {
    let log: Log;
    const consumers: LogConsumer[] = [];
    const created: string[] = [];

    beforeAll(async () => {
      log = await makeLog();
    });
    afterAll(async () => {
      await Promise.allSettled(consumers.map((c) => c.stop()));
      await log?.admin().deleteTopics?.(created);
      await log?.close();
    });

    async function topicWith(partitions: number, label: string): Promise<string> {
      const topic = unique(label);
      await log.admin().ensureTopics([{ name: topic, partitions }]);
      created.push(topic);
      return topic;
    }

    function consumer(groupId: string, extra: Partial<ConsumerOptions> = {}): LogConsumer {
      const c = log.consumer({ groupId, ...FAST_CONSUMER, ...extra });
      consumers.push(c);
      return c;
    }

    function collector() {
      const records: LogRecord[] = [];
      const batches: Batch[] = [];
      return {
        records,
        batches,
        onBatch: async (batch: Batch) => {
          batches.push(batch);
          records.push(...batch.records);
        },
      };
    }

    async function committed(group: string, topic: string) {
      return (await log.admin().committedOffsets(group, topic)).map((o) => o.offset);
    }

    async function ends(topic: string) {
      return (await log.admin().endOffsets(topic)).map((o) => o.offset);
    }

    /** Kafka keeps no committed offset for a partition the group never received a record from. */
    async function expectCommittedAtEnd(group: string, topic: string) {
      const end = await ends(topic);
      expect(await committed(group, topic)).toEqual(end.map((o) => (o === '0' ? null : o)));
    }

    const records = (topic: string, n: number, from = 0) =>
      Array.from({ length: n }, (_, i) => ({
        topic,
        key: `learner-${(from + i) % 7}`,
        value: `v${from + i}`,
      }));

    it('consumes in a group, commits after onBatch, and a new member resumes after the committed offset', async () => {
      const topic = await topicWith(3, 'resume');
      const group = unique('g-resume');
      const producer = log.producer();
      await producer.connect();
      expect(producer.isConnected()).toBe(true);
      await producer.send(records(topic, 30));

      const first = collector();
      const a = consumer(group);
      await a.start({ topics: [topic], fromBeginning: true, onBatch: first.onBatch });
      await waitFor('30 records', () => first.records.length >= 30);
      await a.stop();
      expect(first.records.map((r) => r.value).sort()).toEqual(
        records(topic, 30)
          .map((r) => r.value)
          .sort(),
      );
      await expectCommittedAtEnd(group, topic);

      await producer.send(records(topic, 10, 30));
      const second = collector();
      const b = consumer(group);
      await b.start({ topics: [topic], fromBeginning: true, onBatch: second.onBatch });
      await waitFor('10 new records', () => second.records.length >= 10);
      await new Promise((r) => setTimeout(r, 300));
      await b.stop();
      expect(second.records.map((r) => r.value).sort()).toEqual(
        records(topic, 10, 30)
          .map((r) => r.value)
          .sort(),
      );
      await expectCommittedAtEnd(group, topic);
      await producer.disconnect();
      expect(producer.isConnected()).toBe(false);
    });

    it('keeps the order of records with the same key, across concurrent sends, in the murmur2 partition', async () => {
      const partitions = 4;
      const topic = await topicWith(partitions, 'order');
      const producer = log.producer();
      const keys = ['alice', 'bob', 'carol', 'dave', 'erin', '学员-7'];
      const sends: Promise<void>[] = [];
      for (let round = 0; round < 20; round++) {
        sends.push(producer.send(keys.map((key) => ({ topic, key, value: `${key}:${round}` }))));
      }
      await Promise.all(sends);

      const got = collector();
      const c = consumer(unique('g-order'));
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
      const topic = await topicWith(1, 'retry');
      const group = unique('g-retry');
      await log.producer().send(records(topic, 5));
      const attempts: string[][] = [];
      let committedWhileFailing: (string | null)[] | undefined;
      const c = consumer(group);
      await c.start({
        topics: [topic],
        fromBeginning: true,
        onBatch: async (batch) => {
          attempts.push(batch.records.map((r) => r.offset));
          if (attempts.length === 3) committedWhileFailing = await committed(group, topic);
          if (attempts.length <= 3) throw new Error(`induced failure ${attempts.length}`);
        },
      });
      await waitFor('4 attempts', () => attempts.length >= 4);
      await c.stop();
      expect(attempts[0]).toEqual(['0', '1', '2', '3', '4']);
      expect(attempts.slice(0, 4)).toEqual([attempts[0], attempts[0], attempts[0], attempts[0]]);
      expect(committedWhileFailing).toEqual([null]);
      expect(await committed(group, topic)).toEqual(['5']);
    });

    it('stop() ends a retry loop promptly without committing the failing records', async () => {
      const topic = await topicWith(1, 'stop-retry');
      const group = unique('g-stop-retry');
      await log.producer().send(records(topic, 2));
      let attempts = 0;
      const c = consumer(group, { retryInitialMs: 2000, retryMaxMs: 10_000 });
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
      expect(await committed(group, topic)).toEqual([null]);
    });

    it('refuses to consume a topic that does not exist', async () => {
      const c = consumer(unique('g-missing'));
      await expect(c.start({ topics: [unique('missing')], onBatch: async () => {} })).rejects.toSatisfy((e) =>
        isLogError(e, 'unknown_topic'),
      );
    });

    it('reports end offsets and committed offsets like Kafka', async () => {
      const topic = await topicWith(2, 'offsets');
      const group = unique('g-offsets');
      expect(await log.admin().endOffsets(topic)).toEqual([
        { partition: 0, offset: '0' },
        { partition: 1, offset: '0' },
      ]);
      expect(await log.admin().committedOffsets(group, topic)).toEqual([
        { partition: 0, offset: null },
        { partition: 1, offset: null },
      ]);
      const sent = records(topic, 12);
      await log.producer().send(sent);
      const perPartition = [0, 1].map((p) => sent.filter((r) => partitionFor(r.key, 2) === p).length);
      expect(await ends(topic)).toEqual(perPartition.map(String));

      const got = collector();
      const c = consumer(group);
      await c.start({ topics: [topic], fromBeginning: true, onBatch: got.onBatch });
      await waitFor('12 records', () => got.records.length >= 12);
      await c.stop();
      expect(perPartition.every((n) => n > 0)).toBe(true);
      expect(await committed(group, topic)).toEqual(perPartition.map(String));

      const missing = unique('missing');
      await expect(log.admin().endOffsets(missing)).rejects.toSatisfy((e) => isLogError(e, 'unknown_topic'));
      await expect(log.admin().committedOffsets(group, missing)).rejects.toSatisfy((e) =>
        isLogError(e, 'unknown_topic'),
      );
    });

    it('starts at the end of the log without fromBeginning, and respects maxBatchSize', async () => {
      const topic = await topicWith(1, 'latest');
      const producer = log.producer();
      await producer.send(records(topic, 5));
      const got = collector();
      const c = consumer(unique('g-latest'), { maxBatchSize: 4 });
      await c.start({ topics: [topic], onBatch: got.onBatch });
      await new Promise((r) => setTimeout(r, 300));
      await producer.send(records(topic, 10, 5));
      await waitFor('10 new records', () => got.records.length >= 10);
      await c.stop();
      expect(got.records.map((r) => r.value)).toEqual(records(topic, 10, 5).map((r) => r.value));
      expect(Math.max(...got.batches.map((b) => b.records.length))).toBeLessThanOrEqual(4);
    });

    it('seeks: rewinds a partition, and a batch in flight during seek is not committed', async () => {
      const topic = await topicWith(1, 'seek');
      const group = unique('g-seek');
      await log.producer().send(records(topic, 10));
      const seen: string[] = [];
      let rewound = false;
      const c = consumer(group);
      await c.start({
        topics: [topic],
        fromBeginning: true,
        onBatch: async (batch) => {
          seen.push(...batch.records.map((r) => r.offset));
          if (!rewound && batch.records.some((r) => r.offset === '9')) {
            rewound = true;
            c.seek(topic, 0, '4');
          }
        },
      });
      await waitFor('redelivery from 4', () => rewound && seen.filter((o) => o === '9').length >= 2);
      await new Promise((r) => setTimeout(r, 300));
      await c.stop();
      const firstNine = seen.indexOf('9');
      expect(seen.slice(firstNine + 1)).toEqual(['4', '5', '6', '7', '8', '9']);
      expect(await committed(group, topic)).toEqual(['10']);
      expect(() => c.seek(topic, 0, '-1')).toThrow();
    });

    it('seeks from onAssigned before the first batch is delivered', async () => {
      const topic = await topicWith(1, 'seek-assigned');
      await log.producer().send(records(topic, 6));
      const got = collector();
      const c = consumer(unique('g-seek-assigned'));
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

    it('stop() finishes the batch in flight, commits it, and leaves the group', async () => {
      const topic = await topicWith(1, 'stop');
      const group = unique('g-stop');
      await log.producer().send(records(topic, 3));
      let entered = false;
      let finished = false;
      let runningAtEnd: boolean | undefined;
      const c = consumer(group);
      await c.start({
        topics: [topic],
        fromBeginning: true,
        onBatch: async (_batch, ctx: BatchContext) => {
          entered = true;
          await new Promise((r) => setTimeout(r, 500));
          runningAtEnd = ctx.isRunning();
          finished = true;
        },
      });
      await waitFor('batch in flight', () => entered);
      await c.stop();
      expect(finished).toBe(true);
      expect(runningAtEnd).toBe(false);
      expect(await committed(group, topic)).toEqual(['3']);

      // The group is free: a new member gets the partition at once and sees nothing left to do.
      const again = collector();
      const assigned: TopicPartition[][] = [];
      const d = consumer(group);
      await d.start({ topics: [topic], onBatch: again.onBatch, onAssigned: (tp) => void assigned.push(tp) });
      await waitFor('assignment', () => assigned.length > 0);
      await d.stop();
      expect(assigned[0]).toEqual([{ topic, partition: 0 }]);
      expect(again.records).toEqual([]);
    });

    it('calls onAssigned with the assignment and generation before delivering batches of it', async () => {
      const topic = await topicWith(2, 'assigned');
      await log.producer().send(records(topic, 4));
      const events: string[] = [];
      let generation: number | undefined;
      const generations = new Set<number>();
      const c = consumer(unique('g-assigned'));
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

    it('rejects sends to a topic that was never created, and bad records, with typed errors', async () => {
      const producer = log.producer();
      await expect(producer.send([{ topic: unique('nope'), key: 'k', value: 'v' }])).rejects.toSatisfy((e) =>
        isLogError(e, 'unknown_topic'),
      );
      const topic = await topicWith(1, 'bad');
      await expect(producer.send([{ topic, key: 1 as unknown as string, value: 'v' }])).rejects.toSatisfy(
        (e) => isLogError(e, 'invalid_argument'),
      );
      await producer.send([]);
      expect(await ends(topic)).toEqual(['0']);
    });
  });
}
