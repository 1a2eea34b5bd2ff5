import { startKafkaProxy } from '@hourglass/log/testing/kafka-proxy';
import { describe, expect, it } from 'vitest';
import { cleanupsAfterAll } from '../support/cleanups';
import { kafkaRun } from '../support/pipeline';
import { detectorProcess } from '../support/processes';

/**
 * `hourglass detector` whose broker stops answering (here: a TCP proxy in front of the shared broker
 * refuses every connection; the broker itself is never touched). Nothing can be consumed, produced or
 * committed, so /readyz must stop saying ready, as it does when Redis is down.
 *
 * Found in review: the readiness checked only the output producer's flag, which only a failed send clears,
 * and no batch comes to send while the consumer cannot fetch. The log port now tells whether a consumer
 * is in touch with its group (LogConsumer.isHealthy), and the detector's, the aggregator's and
 * `hourglass start`'s readiness check it.
 */
describe('detector readiness while Kafka is unreachable', () => {
  const cleanups = cleanupsAfterAll();

  it('answers /readyz 503 within 30 s of the broker becoming unreachable', async () => {
    const { servers, prefix } = await kafkaRun({ name: 'det-ready-kafka', cleanups, eventsPartitions: 1 });
    const proxy = await startKafkaProxy(servers.kafkaBrokers.split(',')[0] as string);
    cleanups.push(() => proxy.close());
    const detector = await detectorProcess({
      servers: { ...servers, kafkaBrokers: proxy.address },
      prefix,
      sessionTimeoutMs: 10_000,
    });
    cleanups.push(() => detector.stop());
    await detector.start(); // resolves once /readyz answered 200

    await proxy.mode('refuse');
    const down = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - down < 30_000) {
      await new Promise((r) => setTimeout(r, 500));
      status = (await fetch(`${detector.url}/readyz`)).status;
    }
    expect(status).toBe(503);
  }, 120_000);
});
