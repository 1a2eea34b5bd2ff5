import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { isLogError } from '../errors';
import { onLocalKafka } from '../testing/local-kafka';
import { describeLogContract, FAST_CONSUMER, waitFor } from '../testing/log-contract';
import { recordingLogger } from '../testing/recording-logger';
import { createKafkaLog } from './log';

onLocalKafka('kafka log', (brokers) => {
  describeLogContract('kafka', () => createKafkaLog({ brokers, clientId: 'hourglass-log-contract' }));

  describe('kafka log', () => {
    const log = createKafkaLog({ brokers, clientId: 'hourglass-log-test' });
    const topics: string[] = [];
    afterAll(async () => {
      await log.admin().deleteTopics?.(topics);
      await log.close();
    });

    it('rejects sends to a dead broker with unavailable within the bound', async () => {
      const dead = createKafkaLog({ brokers: ['127.0.0.1:1'], clientId: 'hourglass-log-dead' });
      const producer = dead.producer();
      const started = Date.now();
      const result = await producer.send([{ topic: 't', key: 'k', value: 'v' }]).catch((e: unknown) => e);
      const elapsed = Date.now() - started;
      expect(isLogError(result, 'unavailable')).toBe(true);
      expect(elapsed).toBeLessThanOrEqual(10_000);
      expect(producer.isConnected()).toBe(false);
      await expect(producer.connect()).rejects.toSatisfy((e) => isLogError(e, 'unavailable'));
      await dead.close();
    }, 25_000);

    it('passes the broker generation to onAssigned and batches, and bumps it on rebalance', async () => {
      const topic = `log-rebalance-${randomUUID().slice(0, 8)}`;
      const group = `g-${topic}`;
      topics.push(topic);
      const warnings: string[] = [];
      const ignore = () => {};
      const log = createKafkaLog({
        brokers,
        clientId: 'hourglass-log-rebalance',
        logger: {
          debug: ignore,
          info: ignore,
          error: ignore,
          warn: (_fields, msg) => void warnings.push(msg ?? ''),
        },
      });
      await log.admin().ensureTopics([{ name: topic, partitions: 2 }]);
      const joins: { member: string; generation: number; partitions: number[] }[] = [];
      const start = async (member: string) => {
        const c = log.consumer({ groupId: group, ...FAST_CONSUMER });
        await c.start({
          topics: [topic],
          onBatch: async () => {},
          onAssigned: (tps, generation) =>
            void joins.push({ member, generation, partitions: tps.map((tp) => tp.partition) }),
        });
        return c;
      };
      const a = await start('a');
      const first = joins[0];
      expect(first).toMatchObject({ member: 'a', partitions: [0, 1] });
      const b = await start('b');
      await waitFor('both members in a newer generation', () => {
        const newer = joins.filter((j) => j.generation > (first?.generation ?? 0));
        return newer.some((j) => j.member === 'a') && newer.some((j) => j.member === 'b');
      });
      const last = joins.filter((j) => j.generation === Math.max(...joins.map((x) => x.generation)));
      expect(last.flatMap((j) => j.partitions).sort()).toEqual([0, 1]);
      await Promise.all([a.stop(), b.stop()]);
      await log.close();
      // The generations above are the broker's, not the local fallback counter.
      expect(warnings.filter((w) => w.includes('generation id not observed'))).toEqual([]);
    }, 30_000);

    it('with partitionsConcurrently, has batches of several partitions in onBatch at once, each partition in offset order', async () => {
      const topic = `log-concurrent-${randomUUID().slice(0, 8)}`;
      topics.push(topic);
      await log.admin().ensureTopics([{ name: topic, partitions: 4 }]);
      const records = Array.from({ length: 400 }, (_, i) => ({ topic, key: `k${i % 40}`, value: String(i) }));
      await log.producer().send(records);
      const seen = new Map<number, number[]>();
      let inFlight = 0;
      let mostInFlight = 0;
      let delivered = 0;
      const c = log.consumer({
        groupId: `g-${topic}`,
        ...FAST_CONSUMER,
        maxBatchSize: 20,
        partitionsConcurrently: 4,
      });
      await c.start({
        topics: [topic],
        fromBeginning: true,
        onBatch: async (batch) => {
          inFlight++;
          mostInFlight = Math.max(mostInFlight, inFlight);
          await new Promise((r) => setTimeout(r, 30));
          const offsets = seen.get(batch.partition) ?? [];
          offsets.push(...batch.records.map((r) => Number(r.offset)));
          seen.set(batch.partition, offsets);
          delivered += batch.records.length;
          inFlight--;
        },
      });
      await waitFor('every record delivered', () => delivered >= records.length);
      await c.stop();
      expect(delivered).toBe(records.length);
      expect(mostInFlight).toBeGreaterThan(1);
      for (const offsets of seen.values()) expect(offsets).toEqual(offsets.map((_, i) => i));
      // Every partition committed up to its end: nothing is redelivered to the next member.
      expect(await log.admin().committedOffsets(`g-${topic}`, topic)).toEqual(
        await log.admin().endOffsets(topic),
      );
    }, 30_000);

    it("routes kafkajs' own logging to the injected logger instead of the console", async () => {
      const { logger, lines: entries } = recordingLogger();
      const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => vi.spyOn(console, m));
      const quiet = createKafkaLog({ brokers, clientId: 'hourglass-log-quiet', logger });
      const topic = `log-quiet-${randomUUID().slice(0, 8)}`;
      topics.push(topic);
      await quiet.admin().ensureTopics([{ name: topic, partitions: 1 }]);
      await quiet.producer().send([{ topic, key: 'k', value: 'v' }]);
      const c = quiet.consumer({ groupId: `g-${topic}`, ...FAST_CONSUMER });
      await c.start({ topics: [topic], fromBeginning: true, onBatch: async () => {} });
      await c.stop();
      await quiet.close();
      for (const spy of spies) {
        expect(spy).not.toHaveBeenCalled();
        spy.mockRestore();
      }
      expect(
        entries.some(
          (e) => e.level === 'info' && (e.fields as { component?: string }).component === 'kafkajs',
        ),
      ).toBe(true);
      expect(entries.some((e) => e.level === 'debug' && !e.msg?.includes('Limiting retries'))).toBe(false);
    }, 30_000);
  });
});
