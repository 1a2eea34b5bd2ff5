import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Batch, ConsumerOptions, Log, LogConsumer, LogRecord, OutgoingRecord } from '../types';

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

export const unique = (label: string) => `contract-${label}-${randomUUID().slice(0, 8)}`;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** n records spread over 7 keys; values v{from}..v{from+n-1}. */
export const records = (topic: string, n: number, from = 0): OutgoingRecord[] =>
  Array.from({ length: n }, (_, i) => ({ topic, key: `learner-${(from + i) % 7}`, value: `v${from + i}` }));

export function collector() {
  const got: LogRecord[] = [];
  const batches: Batch[] = [];
  return {
    records: got,
    batches,
    onBatch: async (batch: Batch) => {
      batches.push(batch);
      got.push(...batch.records);
    },
  };
}

export interface ContractFixture {
  log(): Log;
  /** A new topic with a unique name, deleted after the suite. */
  topicWith(partitions: number, label: string): Promise<string>;
  /** A consumer with FAST_CONSUMER settings, stopped after the suite. */
  consumer(groupId: string, extra?: Partial<ConsumerOptions>): LogConsumer;
  committed(group: string, topic: string): Promise<(string | null)[]>;
  ends(topic: string): Promise<string[]>;
  /** Kafka keeps no committed offset for a partition the group never received a record from. */
  expectCommittedAtEnd(group: string, topic: string): Promise<void>;
}

/** Registers beforeAll/afterAll in the calling describe block. */
export function useContractFixture(makeLog: () => Log | Promise<Log>): ContractFixture {
  let log: Log | undefined;
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
  const current = (): Log => {
    if (!log) throw new Error('log not created yet');
    return log;
  };
  const fixture: ContractFixture = {
    log: current,
    async topicWith(partitions, label) {
      const topic = unique(label);
      await current()
        .admin()
        .ensureTopics([{ name: topic, partitions }]);
      created.push(topic);
      return topic;
    },
    consumer(groupId, extra = {}) {
      const c = current().consumer({ groupId, ...FAST_CONSUMER, ...extra });
      consumers.push(c);
      return c;
    },
    async committed(group, topic) {
      return (await current().admin().committedOffsets(group, topic)).map((o) => o.offset);
    },
    async ends(topic) {
      return (await current().admin().endOffsets(topic)).map((o) => o.offset);
    },
    async expectCommittedAtEnd(group, topic) {
      const end = await fixture.ends(topic);
      expect(await fixture.committed(group, topic)).toEqual(end.map((o) => (o === '0' ? null : o)));
    },
  };
  return fixture;
}
