import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { startKafkaProxy } from '../testing/kafka-proxy';
import { onLocalKafka } from '../testing/local-kafka';
import type { Log } from '../types';
import { createKafkaLog } from './log';

/**
 * The Kafka producer behind a TCP proxy (the shared broker is never touched): connections that go silent
 * (a black hole: no answer, no close, as after a NAT or load-balancer entry is dropped) must be given up,
 * so that once the network is back the producer sends again by itself, without a restart.
 */
onLocalKafka('kafka producer under network faults', (brokers) => {
  describe('kafka producer under network faults', () => {
    const direct = createKafkaLog({ brokers, clientId: 'hourglass-log-faults' });
    const topics: string[] = [];
    const cleanups: (() => Promise<unknown>)[] = [];
    afterAll(async () => {
      for (const c of cleanups.reverse()) await c().catch(() => {});
      await direct.admin().deleteTopics?.(topics);
      await direct.close();
    });

    async function topic(name: string): Promise<string> {
      const t = `log-faults-${name}-${randomUUID().slice(0, 8)}`;
      await direct.admin().ensureTopics([{ name: t, partitions: 2 }]);
      topics.push(t);
      return t;
    }

    async function behindProxy() {
      const proxy = await startKafkaProxy(brokers[0] as string);
      const log: Log = createKafkaLog({ brokers: [proxy.address], clientId: 'hourglass-log-faults-p' });
      cleanups.push(
        () => proxy.close(),
        () => log.close(),
      );
      return { proxy, producer: log.producer() };
    }

    /** Sends until one is acknowledged; the ms from `since` to that acknowledgement, or null after `withinMs`. */
    async function firstAck(
      send: () => Promise<void>,
      since: number,
      withinMs: number,
    ): Promise<number | null> {
      while (Date.now() - since < withinMs) {
        const ok = await send().then(
          () => true,
          () => false,
        );
        if (ok) return Date.now() - since;
        await new Promise((r) => setTimeout(r, 200));
      }
      return null;
    }

    it('sends again within 30 s of the network coming back after the partition-metadata connection went silent', async () => {
      const known = await topic('known');
      const fresh = await topic('fresh');
      const { proxy, producer } = await behindProxy();
      await producer.connect();
      await producer.send([{ topic: known, key: 'a', value: 'before' }]);
      await proxy.mode('stall');
      // A topic the producer has no partition count for yet: it asks the cluster's metadata.
      const during = await producer.send([{ topic: fresh, key: 'a', value: 'during' }]).catch((e) => e.code);
      expect(during).toBe('unavailable');
      await proxy.mode('pass');
      const back = Date.now();
      const took = await firstAck(
        () => producer.send([{ topic: fresh, key: 'a', value: 'after' }]),
        back,
        30_000,
      );
      expect(took).not.toBeNull();
    }, 60_000);

    it('sends again within 30 s of the network coming back after the produce connections went silent', async () => {
      const known = await topic('lane');
      const { proxy, producer } = await behindProxy();
      await producer.connect();
      const records = [
        { topic: known, key: 'a', value: 'v' },
        { topic: known, key: 'b', value: 'v' },
      ];
      await producer.send(records);
      await proxy.mode('stall');
      // Partition counts are known: this goes straight to the lanes' produce connections.
      expect(await producer.send(records).catch((e) => e.code)).toBe('unavailable');
      await proxy.mode('pass');
      const back = Date.now();
      const took = await firstAck(() => producer.send(records), back, 30_000);
      expect(took).not.toBeNull();
    }, 60_000);
  });
});
