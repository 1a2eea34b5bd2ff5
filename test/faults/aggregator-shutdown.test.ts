import { topicNames } from '@hourglass/events';
import { createKafkaLog } from '@hourglass/log';
import { createPolicyFor, runSequence } from '@hourglass/rules';
import { clickHouseOptionsFromUrl, createClickHouseWarehouse } from '@hourglass/warehouse';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { trafficFor } from '../support/pipeline';
import { freePort, serviceProcess } from '../support/processes';
import { eventually, realServers, uniqueName } from '../support/servers';
import { readTopic } from '../support/topics';

/**
 * SIGTERM to a busy `hourglass aggregator` process: it finishes the write in flight, commits it, leaves
 * the group and exits 0. Right after it exited the group has no member left, and every segment below
 * the committed offsets is in ClickHouse (a commit never runs ahead of its write); a restart then
 * stores every segment exactly once.
 */
describe('aggregator graceful shutdown on real Kafka and ClickHouse', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  it('on SIGTERM mid-run it finishes and commits its write, leaves the group and exits 0', async () => {
    const servers = realServers();
    const prefix = `${uniqueName('fault-agg-term')}.`;
    const topics = topicNames(prefix);
    const database = `hg_fault_${prefix.replace(/[^A-Za-z0-9]/g, '_')}`.slice(0, 60);
    const log = createKafkaLog({ brokers: servers.kafkaBrokers.split(','), clientId: 'fault-agg-term' });
    cleanups.push(() => log.close());
    await log.admin().ensureTopics(Object.values(topics).map((name) => ({ name, partitions: 4 })));
    cleanups.push(async () => log.admin().deleteTopics?.(Object.values(topics)));

    const { events } = trafficFor(prefix, { learners: 300, cheaters: 0.2, seed: 47 });
    const segments = runSequence(events, createPolicyFor()).out.flatMap((o) => o.segments);
    const producer = log.producer();
    cleanups.push(() => producer.disconnect());
    for (let i = 0; i < segments.length; i += 2000) {
      await producer.send(
        segments
          .slice(i, i + 2000)
          .map((s) => ({ topic: topics.segments, key: s.learnerId, value: JSON.stringify(s) })),
      );
    }
    expect(segments.length).toBeGreaterThan(3000);

    const clickhouse = `${servers.clickhouseUrl.replace(/\/$/, '')}/${database}`;
    const aggregator = serviceProcess({
      command: 'aggregator',
      name: `${prefix}aggregator`,
      port: await freePort(),
      env: {
        KAFKA_BROKERS: servers.kafkaBrokers,
        CLICKHOUSE_URL: clickhouse,
        KAFKA_TOPIC_PREFIX: prefix,
        // Long on purpose: a member that did not leave would still be listed after it exited.
        KAFKA_SESSION_TIMEOUT_MS: '30000',
        // Many small writes, so that SIGTERM arrives between them.
        AGGREGATOR_BATCH_ROWS: '200',
      },
    });
    cleanups.push(() => aggregator.stop());
    const warehouse = createClickHouseWarehouse({
      ...clickHouseOptionsFromUrl(clickhouse),
      timeZone: 'Asia/Shanghai',
    });
    cleanups.push(() => warehouse.close());
    cleanups.push(() =>
      fetch(`${servers.clickhouseUrl}/?query=${encodeURIComponent(`DROP DATABASE IF EXISTS ${database}`)}`, {
        method: 'POST',
      }),
    );
    const group = `${prefix}aggregator`;
    const committedOffsets = async () =>
      new Map(
        (await log.admin().committedOffsets(group, topics.segments)).map((c) => [
          c.partition,
          Number(c.offset ?? 0),
        ]),
      );
    const committed = async () => [...(await committedOffsets()).values()].reduce((a, b) => a + b, 0);

    await aggregator.start();
    await eventually(committed, (n) => n >= segments.length * 0.2, {
      timeoutMs: 120_000,
      what: 'progress',
      intervalMs: 20,
    });
    const stopped = Date.now();
    expect(await aggregator.stop()).toEqual({ code: 0, signal: null });
    expect(Date.now() - stopped).toBeLessThan(15_000);

    const kafka = new Kafka({ brokers: servers.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const {
      groups: [described],
    } = await admin.describeGroups([group]);
    expect(described?.members).toEqual([]);

    const at = await committedOffsets();
    const done = [...at.values()].reduce((a, b) => a + b, 0);
    expect(done).toBeLessThan(segments.length); // it was stopped mid-run
    const records = await readTopic(log, topics.segments, `${prefix}check`);
    const committedIds = records
      .filter((r) => Number(r.offset) < (at.get(r.partition) ?? 0))
      .map((r) => (JSON.parse(r.value) as { segmentId: string }).segmentId);
    expect(committedIds.length).toBe(done);
    const stored = new Set(
      (
        await fetch(`${servers.clickhouseUrl}/`, {
          method: 'POST',
          body: `SELECT segmentId FROM ${database}.segments FORMAT TabSeparated`,
        }).then((r) => r.text())
      )
        .split('\n')
        .filter((line) => line !== ''),
    );
    expect(committedIds.filter((id) => !stored.has(id))).toEqual([]);

    await aggregator.start();
    await eventually(committed, (n) => n === segments.length, {
      timeoutMs: 120_000,
      what: 'the aggregator to finish',
    });
    await aggregator.stop();
    expect((await warehouse.reconcile()).duplicateSegmentIds).toBe(0);
    expect((await warehouse.counts()).segments).toBe(new Set(segments.map((s) => s.segmentId)).size);
  }, 300_000);
});
