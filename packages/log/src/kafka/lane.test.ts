import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { isLogError, type LogError } from '../errors';
import { createLane, type RoutedRecord } from './lane';
import { createKafkaLog } from './log';
import { sizedRecord } from './produce-request';

// Without a broker kafka.test.ts fails loudly ("needs a Kafka broker"); this suite just waits for one.
const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];

describe.runIf(brokers.length > 0)('lane', () => {
  const log = createKafkaLog({ brokers, clientId: 'hourglass-lane-test' });
  const topic = `lane-${randomUUID().slice(0, 8)}`;
  afterAll(async () => {
    await log.admin().deleteTopics?.([topic]);
    await log.close();
  });

  const routed = (partition: number, key: string): RoutedRecord => ({
    topic,
    partition,
    ...sizedRecord(key, JSON.stringify({ key })),
  });

  it('answers unavailable for a partition its metadata does not know, retrying first, and still sends to the others', async () => {
    await log.admin().ensureTopics([{ name: topic, partitions: 2 }]);
    const failures: LogError[] = [];
    const lane = createLane({
      brokers,
      clientId: 'hourglass-lane-test',
      logger: undefined,
      lane: 0,
      connectTimeoutMs: 5000,
      sendTimeoutMs: 10_000,
      ackTimeoutMs: 5000,
      maxBatchBytes: 1_000_000,
      maxBatchRecords: 1000,
      retries: 2,
      onFailure: (err) => failures.push(err),
    });
    await lane.connect();
    const started = Date.now();
    // Partition 7 of a 2-partition topic: what a stale partition count would route to.
    const missing = await lane.send([routed(7, 'k7')], Date.now() + 10_000).catch((e: unknown) => e);
    expect(isLogError(missing, 'unavailable')).toBe(true);
    expect((missing as Error).message).toContain(`${topic}/7`);
    // Two retries, 100 and 200 ms apart, each with fresh metadata, before giving up.
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(failures.map((f) => f.code)).toEqual(['unavailable']);

    await lane.send([routed(0, 'a'), routed(1, 'b'), routed(1, 'c')], Date.now() + 10_000);
    const ends = await log.admin().endOffsets(topic);
    expect(ends.map((e) => [e.partition, e.offset]).sort()).toEqual([
      [0, '1'],
      [1, '2'],
    ]);
    expect(lane.healthy()).toBe(true);
    await lane.disconnect();
  }, 30_000);
});
