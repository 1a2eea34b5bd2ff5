import { randomUUID } from 'node:crypto';
import { createIngestServer } from '@hourglass/ingest';
import { createLogger, createMetricsRegistry, DEMO_TOKENS, developmentConfig } from '@hourglass/runtime';
import { describe, expect, it } from 'vitest';
import { cleanupsAfterAll } from '../support/cleanups';
import { serviceCtl } from '../support/infra';
import { kafkaRun } from '../support/pipeline';
import { eventually } from '../support/servers';

/**
 * The broker itself stopped and started again under a running ingest (not a wrong address): while it is
 * down every request gets 503 and nothing is reported accepted; once it is back, the same ingest process
 * accepts again without a restart, and every event it ever reported accepted is on the events topic.
 */
describe('ingest through a Kafka outage', () => {
  const cleanups = cleanupsAfterAll(() => serviceCtl('start', 'kafka'));

  it('answers 503 while the broker is down, and accepts again once it is back', async () => {
    const { topics, log } = await kafkaRun({ name: 'fault-ingest', cleanups, eventsPartitions: 4 });
    const logger = createLogger({ level: 'silent', name: 'fault-ingest' });
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const producer = log.producer({ clientId: 'fault-ingest' });
    const { app } = createIngestServer({
      config: developmentConfig(),
      log: producer,
      topics,
      registry,
      logger,
    });
    cleanups.push(() => app.close());

    const accepted = new Set<string>();
    const post = async () => {
      const events = Array.from({ length: 20 }, (_, i) => ({
        id: `e-${randomUUID()}`,
        type: 'heartbeat',
        time: new Date().toISOString(),
        platformId: 'cvto',
        learnerId: `L${i}`,
        sessionId: `S${i}`,
        courseId: 'c1',
        seq: 1,
        intervalSec: 30,
        focus: true,
        interactions: 1,
      }));
      const r = await app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: {
          authorization: `Bearer ${DEMO_TOKENS.platforms.cvto}`,
          'content-type': 'application/json',
        },
        payload: JSON.stringify(events),
      });
      if (r.statusCode === 200) for (const e of events) accepted.add(e.id);
      return r;
    };

    expect((await post()).statusCode).toBe(200);

    serviceCtl('stop', 'kafka');
    const started = Date.now();
    const down = await post();
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBeDefined();
    expect(down.json()).not.toHaveProperty('accepted');
    // Within the producer's send bound (10 s) plus slack, not after minutes of client retries.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(503);

    serviceCtl('start', 'kafka');
    await eventually(
      async () => (await post()).statusCode,
      (status) => status === 200,
      {
        timeoutMs: 90_000,
        intervalMs: 500,
        what: 'ingest to accept again after the broker came back',
      },
    );
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);

    // Nothing reported accepted is missing (a 503'd request may have left records too: retrying can
    // duplicate, never lose).
    const onTopic = new Set<string>();
    const consumer = log.consumer({ groupId: `fault-ingest-read-${randomUUID()}`, sessionTimeoutMs: 6000 });
    await consumer.start({
      topics: [topics.events],
      fromBeginning: true,
      onBatch: async (batch) => {
        for (const r of batch.records) onTopic.add((JSON.parse(r.value) as { id: string }).id);
      },
    });
    await eventually(
      async () => [...accepted].filter((id) => !onTopic.has(id)).length,
      (missing) => missing === 0,
      { timeoutMs: 30_000, what: 'every accepted event on the events topic' },
    );
    await consumer.stop();
    expect(accepted.size).toBeGreaterThanOrEqual(40);
  }, 240_000);
});
