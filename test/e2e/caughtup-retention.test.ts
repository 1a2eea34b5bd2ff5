import { startAllInOne } from '@hourglass/cli';
import { topicNames } from '@hourglass/events';
import { createKafkaLog } from '@hourglass/log';
import { DEMO_TOKENS, developmentConfig, type Env } from '@hourglass/runtime';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { cleanupsAfterAll } from '../support/cleanups';
import { realServers, uniqueName } from '../support/servers';

/** One /v1/admin/pipeline read. */
async function pipeline(
  url: string,
): Promise<{ caughtUp: boolean; stages: { name: string; lag: number }[] }> {
  const res = await fetch(`${url}/v1/admin/pipeline`, {
    headers: { authorization: `Bearer ${DEMO_TOKENS.admin}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { caughtUp: boolean; stages: { name: string; lag: number }[] };
}

/** caughtUp read every 200 ms until true (twice in a row) or the deadline; the last status. */
async function pollCaughtUp(url: string, ms: number) {
  const deadline = Date.now() + ms;
  let streak = 0;
  let last = await pipeline(url);
  while (Date.now() < deadline) {
    last = await pipeline(url);
    streak = last.caughtUp ? streak + 1 : 0;
    if (streak >= 2) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return last;
}

// SPEC §5: caughtUp is true when every accepted event is reflected. A partition whose records the topic's
// retention deleted (all of them) holds nothing left to process: a consumer group that never committed on it
// (`hourglass start` on Kafka with the embedded warehouse opens a group of its own at every start; a group
// an operator deleted) starts at its log start, finds no record and so never commits there. Counting its
// lag from offset 0 kept caughtUp false for good.
describe('caughtUp on Kafka after retention deleted a partition', () => {
  const cleanups = cleanupsAfterAll();
  const servers = realServers();

  it('a partition whose records retention deleted is not lag: caughtUp becomes true after a restart', async () => {
    const prefix = `${uniqueName('caughtup-ret')}.`;
    const brokers = servers.kafkaBrokers.split(',');
    const log = createKafkaLog({ brokers, clientId: 'caughtup-ret' });
    cleanups.push(() => log.close());
    cleanups.push(async () => log.admin().deleteTopics?.(Object.values(topicNames(prefix))));
    const env: Env = {
      port: 0,
      topicPrefix: prefix,
      logLevel: 'silent',
      kafkaBrokers: brokers,
      kafkaSessionTimeoutMs: 6000,
    };
    const start = () =>
      startAllInOne({
        env,
        config: developmentConfig(),
        isDevelopmentConfig: true,
        registerSignals: false,
        partitions: 1,
      });

    // First start: one rejected event (a heartbeat without its fields) reaches the rejected topic.
    const first = await start();
    try {
      const res = await fetch(`${first.url}/v1/events`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${DEMO_TOKENS.platforms.cvto}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify([{ id: 'bad-1', type: 'heartbeat' }]),
      });
      expect(await res.json()).toMatchObject({ accepted: 0, rejected: 1 });
      expect((await pollCaughtUp(first.url, 30_000)).caughtUp).toBe(true);
    } finally {
      await first.close();
    }

    // The rejected topic's retention runs out: its one partition keeps no record (log start = end = 1).
    const kafka = new Kafka({ brokers, clientId: 'caughtup-ret-admin', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const rejected = topicNames(prefix).rejected;
      await admin.fetchTopicMetadata({ topics: [rejected] });
      await admin.deleteTopicRecords({ topic: rejected, partitions: [{ partition: 0, offset: '-1' }] });
      expect(await admin.fetchTopicOffsets(rejected)).toMatchObject([{ partition: 0, low: '1', high: '1' }]);
    } finally {
      await admin.disconnect();
    }

    // Second start: nothing is left to process, so the pipeline is caught up.
    const second = await start();
    try {
      const status = await pollCaughtUp(second.url, 20_000);
      expect(status.stages.map((s) => [s.name, s.lag])).toEqual([
        ['detector', 0],
        ['aggregator', 0],
      ]);
      expect(status.caughtUp).toBe(true);
    } finally {
      await second.close();
    }
  }, 120_000);
});
