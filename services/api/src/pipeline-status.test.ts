import { topicNames } from '@hourglass/events';
import { createEmbeddedLog } from '@hourglass/log';
import { HttpError } from '@hourglass/runtime';
import { describe, expect, it } from 'vitest';
import { createLogPipelineStatus, createStandalonePipelineStatus, pipelineStages } from './pipeline-status';

describe('pipeline status from the log', () => {
  it('is caught up only when every stage committed to the end of its topics', async () => {
    const topics = topicNames('p.');
    const log = createEmbeddedLog({ partitions: 2 });
    await log.admin().ensureTopics(Object.values(topics).map((name) => ({ name, partitions: 2 })));
    const status = createLogPipelineStatus({ admin: log.admin(), stages: pipelineStages('p.', topics) });

    expect((await status()).caughtUp).toBe(true);
    await log.producer().send([
      { topic: topics.events, key: 'a', value: '1' },
      { topic: topics.events, key: 'b', value: '2' },
    ]);
    const behind = await status();
    expect(behind.caughtUp).toBe(false);
    expect(behind.stages[0]).toMatchObject({
      name: 'detector',
      groupId: 'p.detector',
      caughtUp: false,
      lag: 2,
    });
    expect(behind.stages[1]).toMatchObject({ name: 'aggregator', caughtUp: true, lag: 0 });

    const consumer = log.consumer({ groupId: 'p.detector' });
    let seen = 0;
    await new Promise<void>((resolve) => {
      void consumer.start({
        topics: [topics.events],
        fromBeginning: true,
        onBatch: async (b) => {
          seen += b.records.length;
          if (seen >= 2) resolve();
        },
      });
    });
    await consumer.stop();
    expect(await status()).toMatchObject({ caughtUp: true });
    await log.close();
  });

  it.each(['segments', 'flags', 'sessions', 'certificates', 'counts', 'rejected', 'decisions'] as const)(
    'a record on the %s topic not yet consumed by the aggregator is lag: not caught up',
    async (name) => {
      const topics = topicNames('p.');
      const log = createEmbeddedLog({ partitions: 1 });
      await log.admin().ensureTopics(Object.values(topics).map((t) => ({ name: t, partitions: 1 })));
      const status = createLogPipelineStatus({ admin: log.admin(), stages: pipelineStages('p.', topics) });
      await log.producer().send([{ topic: topics[name], key: 'k', value: '{}' }]);
      const behind = await status();
      expect(behind.caughtUp).toBe(false);
      expect(behind.stages[1]).toMatchObject({ name: 'aggregator', caughtUp: false, lag: 1 });
      await log.close();
    },
  );
});

describe('the standalone API process picks its pipeline status', () => {
  it("with the embedded log and a ClickHouse warehouse, every read refuses as unavailable: the process's own empty log is not the services'", async () => {
    const topics = topicNames('p.');
    const log = createEmbeddedLog({ partitions: 1 });
    await log.admin().ensureTopics(Object.values(topics).map((name) => ({ name, partitions: 1 })));
    const status = createStandalonePipelineStatus({
      log,
      warehouse: { kind: 'clickhouse' },
      stages: pipelineStages('p.', topics),
    });
    await expect(status()).rejects.toSatisfy(
      (e) => e instanceof HttpError && e.code === 'unavailable' && e.message.includes('KAFKA_BROKERS'),
    );
    await log.close();
  });

  it('with the embedded log and the embedded warehouse (one process), it reads the log: caught up', async () => {
    const topics = topicNames('p.');
    const log = createEmbeddedLog({ partitions: 1 });
    await log.admin().ensureTopics(Object.values(topics).map((name) => ({ name, partitions: 1 })));
    const status = createStandalonePipelineStatus({
      log,
      warehouse: { kind: 'embedded' },
      stages: pipelineStages('p.', topics),
    });
    expect(await status()).toMatchObject({ caughtUp: true });
    await log.close();
  });
});
