import { generateTraffic } from '@hourglass/cli';
import { type AcceptedEvent, type FlagUpdate, type Segment, topicNames } from '@hourglass/events';
import { createKafkaLog } from '@hourglass/log';
import { createPolicyFor, runSequence } from '@hourglass/rules';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, serviceProcess } from '../support/processes';
import { eventually, realServers, uniqueName } from '../support/servers';
import { latestById, readTopic } from '../support/topics';

/**
 * SIGKILL the detector process at several points while it works through a pre-loaded events topic
 * on the real Kafka and Redis; after restarts, the segments and flags downstream (deduplicated by id,
 * as the aggregator does) are exactly those of an uninterrupted run of the same events.
 */
describe('detector crash safety on real Kafka and Redis', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  it('killing the detector mid-batch and restarting it changes no segment and no flag', async () => {
    const servers = realServers();
    const prefix = `${uniqueName('fault-det')}.`;
    const topics = topicNames(prefix);
    const log = createKafkaLog({ brokers: servers.kafkaBrokers.split(','), clientId: 'fault-test' });
    cleanups.push(() => log.close());
    // One events partition: the log order is then the global receivedAt order that runSequence uses,
    // so even the shared-device rule (whose outcome SPEC §4 lets depend on processing order across
    // partitions) must come out identical.
    await log
      .admin()
      .ensureTopics(
        Object.values(topics).map((name) => ({ name, partitions: name === topics.events ? 1 : 4 })),
      );
    cleanups.push(async () => log.admin().deleteTopics?.(Object.values(topics)));

    const traffic = generateTraffic({
      platforms: 3,
      platformIds: ['cvto', 'skillup', 'gongjiang'],
      learners: 400,
      minutes: 90,
      cheaters: 0.25,
      seed: 41,
      idPrefix: prefix.replaceAll('.', ''),
      startMs: Date.now() - 3 * 3_600_000,
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

    const expected = runSequence(events, createPolicyFor());
    const expectedSegments = new Map(expected.out.flatMap((o) => o.segments).map((s) => [s.segmentId, s]));
    const expectedFlags = latestById(
      expected.out.flatMap((o) => o.flags),
      (f) => f.flagId,
      (f) => f.version,
    );
    expect(expectedSegments.size).toBeGreaterThan(1000);

    const detector = serviceProcess({
      command: 'detector',
      name: `${prefix}detector`,
      port: await freePort(),
      env: {
        KAFKA_BROKERS: servers.kafkaBrokers,
        REDIS_URL: servers.redisUrl,
        KAFKA_TOPIC_PREFIX: prefix,
        KAFKA_SESSION_TIMEOUT_MS: '6000',
      },
    });
    cleanups.push(() => detector.stop());
    const lag = async () => {
      const [ends, committed] = await Promise.all([
        log.admin().endOffsets(topics.events),
        log.admin().committedOffsets(`${prefix}detector`, topics.events),
      ]);
      const done = new Map(committed.map((c) => [c.partition, Number(c.offset ?? 0)]));
      return ends.reduce((n, e) => n + Number(e.offset) - (done.get(e.partition) ?? 0), 0);
    };
    // Kill when the detector is 15 %, 35 % and 55 % through the backlog: always mid-run, whatever the
    // machine's speed (a batch is in flight most of the time, so most kills land inside one).
    const total = await lag();
    for (const fraction of [0.85, 0.65, 0.45]) {
      await detector.start();
      await eventually(lag, (n) => n <= total * fraction, {
        timeoutMs: 120_000,
        what: 'progress',
        intervalMs: 20,
      });
      await detector.kill();
    }
    expect(await lag()).toBeGreaterThan(0); // the kills really interrupted work in progress
    await detector.start();
    await eventually(lag, (n) => n === 0, { timeoutMs: 120_000, what: 'the detector to catch up' });
    await detector.stop();

    const segments = await readTopic(log, topics.segments, `${prefix}check-seg`);
    const flags = await readTopic(log, topics.flags, `${prefix}check-flags`);
    const gotSegments = latestById(
      segments.map((r) => JSON.parse(r.value) as Segment),
      (s) => s.segmentId,
    );
    const gotFlags = latestById(
      flags.map((r) => JSON.parse(r.value) as FlagUpdate),
      (f) => f.flagId,
      (f) => f.version,
    );
    expect(gotSegments.size).toBe(expectedSegments.size);
    for (const [id, s] of expectedSegments) expect(gotSegments.get(id), id).toEqual(s);
    expect(new Map([...gotFlags].sort())).toEqual(new Map([...expectedFlags].sort()));
  }, 300_000);
});
