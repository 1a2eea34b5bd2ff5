import { type Admin, type Consumer, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { requireEnv, uniqueName, waitFor } from './env';

// kafkajs 2.2.4 against the local KRaft broker: idempotent producer with acks=-1, a consumer group that
// commits explicitly, and a second member of the same group that resumes from the committed offsets.
describe('smoke: kafka', () => {
  const topic = uniqueName('smoke-kafka');
  const groupId = uniqueName('smoke-group');
  const messageCount = 20;
  let kafka: Kafka;
  let admin: Admin | undefined;
  let producer: Producer | undefined;
  const consumers: Consumer[] = [];

  // Setup runs inside the test (not in beforeAll) so a missing environment fails the test instead of skipping it.
  async function setUp(): Promise<{ admin: Admin; producer: Producer }> {
    const brokers = requireEnv('KAFKA_BROKERS').split(',');
    kafka = new Kafka({
      clientId: 'hourglass-smoke',
      brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3_000,
      retry: { retries: 4, initialRetryTime: 200 },
    });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    return { admin, producer };
  }

  afterAll(async () => {
    for (const consumer of consumers) await consumer.disconnect().catch(() => {});
    await producer?.disconnect().catch(() => {});
    if (admin) {
      await admin.deleteGroups([groupId]).catch(() => {});
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.disconnect().catch(() => {});
    }
  });

  it('produces idempotently with acks=-1, consumes in a group, commits, and a new member resumes from the commit', async () => {
    const { admin, producer } = await setUp();
    const sent = await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: messageCount }, (_, i) => ({
        key: `learner-${i % 5}`,
        value: `event-${i}`,
      })),
    });
    expect(sent.every((record) => record.errorCode === 0)).toBe(true);

    const first = kafka.consumer({
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 250,
    });
    consumers.push(first);
    await first.connect();
    await first.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    await first.run({
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        for (const message of batch.messages) {
          seen.push(message.value?.toString() ?? '');
          resolveOffset(message.offset);
        }
        await first.commitOffsets([
          {
            topic: batch.topic,
            partition: batch.partition,
            offset: (BigInt(batch.lastOffset()) + 1n).toString(),
          },
        ]);
        await heartbeat();
      },
    });
    await waitFor(
      () => seen.length >= messageCount,
      20_000,
      `${messageCount} messages in the first consumer`,
    );
    expect([...seen].sort()).toEqual(Array.from({ length: messageCount }, (_, i) => `event-${i}`).sort());
    await first.disconnect();

    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const perPartition = committed[0]?.partitions ?? [];
    expect(perPartition).toHaveLength(2);
    const totalCommitted = perPartition.reduce((sum, p) => sum + Number(p.offset), 0);
    expect(totalCommitted).toBe(messageCount);
    const endOffsets = await admin.fetchTopicOffsets(topic);
    for (const partition of perPartition) {
      expect(partition.offset).toBe(endOffsets.find((end) => end.partition === partition.partition)?.high);
    }

    // A second member of the same group starts at the committed offsets: it sees only what comes after.
    const second = kafka.consumer({
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 250,
    });
    consumers.push(second);
    await second.connect();
    await second.subscribe({ topic, fromBeginning: true });
    const seenBySecond: string[] = [];
    let assigned = false;
    second.on(second.events.GROUP_JOIN, () => {
      assigned = true;
    });
    await second.run({
      eachMessage: async ({ message }) => {
        seenBySecond.push(message.value?.toString() ?? '');
      },
    });
    await waitFor(() => assigned, 20_000, 'the second consumer to join the group');
    await producer.send({ topic, acks: -1, messages: [{ key: 'learner-0', value: 'after-commit' }] });
    await waitFor(() => seenBySecond.length >= 1, 20_000, 'the new message in the second consumer');
    await new Promise((resolve) => setTimeout(resolve, 500)); // nothing older may trickle in
    expect(seenBySecond).toEqual(['after-commit']);
  });
});
