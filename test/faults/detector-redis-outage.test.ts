import { generateTraffic } from '@hourglass/cli';
import { createDetector } from '@hourglass/detector';
import {
  type AcceptedEvent,
  createDayOf,
  type FlagUpdate,
  type Segment,
  topicNames,
} from '@hourglass/events';
import { createKafkaLog } from '@hourglass/log';
import { createPolicyFor, runSequence } from '@hourglass/rules';
import { createRedisStateStore } from '@hourglass/state';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceCtl } from '../support/infra';
import { eventually, realServers, uniqueName } from '../support/servers';
import { latestById, readTopic } from '../support/topics';

describe('detector through a Redis outage', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    serviceCtl('start', 'redis');
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  it('stopping Redis for a few seconds mid-run loses nothing and credits nothing twice', async () => {
    const servers = realServers();
    const prefix = `${uniqueName('fault-redis')}.`;
    const topics = topicNames(prefix);
    const log = createKafkaLog({ brokers: servers.kafkaBrokers.split(','), clientId: 'fault-redis' });
    cleanups.push(() => log.close());
    await log
      .admin()
      .ensureTopics(
        Object.values(topics).map((name) => ({ name, partitions: name === topics.events ? 1 : 4 })),
      );
    cleanups.push(async () => log.admin().deleteTopics?.(Object.values(topics)));
    const traffic = generateTraffic({
      platforms: 3,
      platformIds: ['cvto', 'skillup', 'gongjiang'],
      learners: 150,
      minutes: 90,
      cheaters: 0.25,
      seed: 5,
      startMs: Date.now() - 3 * 3_600_000,
      idPrefix: prefix.replaceAll('.', ''),
    });
    const events: AcceptedEvent[] = traffic.events;
    const producer = log.producer();
    for (let i = 0; i < events.length; i += 2000) {
      await producer.send(
        events
          .slice(i, i + 2000)
          .map((e) => ({ topic: topics.events, key: e.learnerId, value: JSON.stringify(e) })),
      );
    }
    await producer.disconnect();

    const state = createRedisStateStore({
      url: servers.redisUrl,
      keyPrefix: `hg:${prefix}`,
      commandTimeoutMs: 1000,
    });
    cleanups.push(() => state.close());
    let processed = 0;
    let failures = 0;
    const detector = createDetector({
      log,
      state,
      policyFor: createPolicyFor(),
      dayOf: createDayOf('Asia/Shanghai'),
      eventsTopic: topics.events,
      topics,
      groupId: `${prefix}detector`,
      registry: new Registry(),
      logger: {
        info() {},
        warn() {},
        error: () => {
          failures += 1;
        },
      },
      maxBatchSize: 100,
      onBatchDone: (b) => {
        processed += b.events;
      },
    });
    await detector.start();
    cleanups.push(() => detector.stop());
    await eventually(
      async () => processed,
      (n) => n > 0,
      { timeoutMs: 60_000, what: 'the first batches' },
    );
    serviceCtl('stop', 'redis');
    // A batch committed just before the stop may still be producing; let it land, then watch.
    await new Promise((r) => setTimeout(r, 1000));
    const during = processed;
    await new Promise((r) => setTimeout(r, 2500));
    expect(processed).toBe(during); // nothing is processed without the state store
    serviceCtl('start', 'redis');
    await eventually(
      async () => processed,
      (n) => n >= events.length - during || n >= events.length,
      { timeoutMs: 120_000, what: 'the detector to resume and finish', intervalMs: 250 },
    );
    const committed = async () => {
      const [ends, done] = await Promise.all([
        log.admin().endOffsets(topics.events),
        log.admin().committedOffsets(`${prefix}detector`, topics.events),
      ]);
      return ends.every((e) => done.find((d) => d.partition === e.partition)?.offset === e.offset);
    };
    await eventually(committed, Boolean, { timeoutMs: 60_000, what: 'offsets committed to the end' });
    await detector.stop();

    const expected = runSequence(events, createPolicyFor());
    const expectedSegments = new Map(expected.out.flatMap((o) => o.segments).map((s) => [s.segmentId, s]));
    const segments = latestById(
      (await readTopic(log, topics.segments, `${prefix}check-seg`)).map(
        (r) => JSON.parse(r.value) as Segment,
      ),
      (s) => s.segmentId,
    );
    const flags = latestById(
      (await readTopic(log, topics.flags, `${prefix}check-flags`)).map(
        (r) => JSON.parse(r.value) as FlagUpdate,
      ),
      (f) => f.flagId,
      (f) => f.version,
    );
    expect(segments.size).toBe(expectedSegments.size);
    for (const [id, s] of expectedSegments) expect(segments.get(id), id).toEqual(s);
    const expectedFlags = latestById(
      expected.out.flatMap((o) => o.flags),
      (f) => f.flagId,
      (f) => f.version,
    );
    expect(new Map([...flags].sort())).toEqual(new Map([...expectedFlags].sort()));
  }, 300_000);
});
