import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { startKafkaProxy } from '../testing/kafka-proxy';
import { onLocalKafka } from '../testing/local-kafka';
import { recordingLogger } from '../testing/recording-logger';
import { createKafkaLog } from './log';

/**
 * The Kafka consumer behind a TCP proxy (the shared broker is never touched): after a network fault the
 * consumer must consume again by itself once the network is back, without a restart of the process.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

onLocalKafka('kafka consumer under network faults', (brokers) => {
  describe('kafka consumer under network faults', () => {
    const direct = createKafkaLog({ brokers, clientId: 'hourglass-consumer-faults' });
    const topics: string[] = [];
    const cleanups: (() => Promise<unknown>)[] = [];
    afterAll(async () => {
      for (const c of cleanups.reverse()) await c().catch(() => {});
      await direct.admin().deleteTopics?.(topics);
      await direct.close();
    });

    it('consumes again within 30 s of the network coming back after the group coordinator could not be found', async () => {
      const topic = `log-consumer-faults-${randomUUID().slice(0, 8)}`;
      await direct.admin().ensureTopics([{ name: topic, partitions: 1 }]);
      topics.push(topic);
      const groupId = `log-consumer-faults-${randomUUID().slice(0, 8)}`;
      const proxy = await startKafkaProxy(brokers[0] as string);
      const { logger, lines } = recordingLogger();
      const log = createKafkaLog({
        brokers: [proxy.address],
        clientId: 'hourglass-consumer-faults-p',
        logger,
      });
      cleanups.push(
        () => proxy.close(),
        () => log.close(),
      );
      const seen: string[] = [];
      // The member that lost its connections stays in the group until its session times out, and a
      // rejoin waits for that: a short session keeps the recovery well within the 30 s.
      const consumer = log.consumer({ groupId, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000 });
      await consumer.start({
        topics: [topic],
        fromBeginning: true,
        onBatch: async (b) => {
          seen.push(...b.records.map((r) => r.value));
        },
      });
      const producer = direct.producer();
      cleanups.push(() => producer.disconnect());
      await producer.send([{ topic, key: 'a', value: 'before' }]);
      await until(
        'the first record committed',
        async () => (await direct.admin().committedOffsets(groupId, topic))[0]?.offset === '1',
        20_000,
      );

      const crashes = (name?: string) =>
        lines.filter(
          (l) =>
            l.msg === 'kafka consumer crashed' &&
            (name === undefined || (l.fields as { err?: { name?: string } }).err?.name === name),
        ).length;
      // Every connection reset: kafkajs gives up its fetches and restarts the consumer, which joins the
      // group again, starting with a FindCoordinator request. Those then fail for a while (to the client a
      // coordinator moving or loading after a broker restart looks the same); the rest of the broker answers.
      await proxy.mode('reset');
      await until('a crash of the consumer', () => crashes() > 0, 20_000);
      await proxy.mode('reset-find-coordinator');
      await until(
        'a failed coordinator lookup',
        () => crashes('KafkaJSGroupCoordinatorNotFound') > 0,
        20_000,
      );
      await sleep(2000);
      await proxy.mode('pass');

      await producer.send([{ topic, key: 'a', value: 'after' }]);
      const back = Date.now();
      await until('the record sent after the fault', () => seen.includes('after'), 30_000);
      expect(Date.now() - back).toBeLessThan(30_000);
      expect(seen.filter((v) => v === 'after')).toEqual(['after']);
    }, 120_000);
  });
});
