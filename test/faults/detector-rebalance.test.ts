import { generateTraffic } from '@hourglass/cli';
import { createDetector, type Detector } from '@hourglass/detector';
import {
  type AcceptedEvent,
  createDayOf,
  type FlagUpdate,
  type Segment,
  topicNames,
} from '@hourglass/events';
import { createKafkaLog, type Log } from '@hourglass/log';
import { createPolicyFor, runSequence } from '@hourglass/rules';
import { createRedisStateStore, type StateStore } from '@hourglass/state';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, realServers, uniqueName } from '../support/servers';
import { latestById, readTopic } from '../support/topics';

/**
 * Two detector processes in one group on four partitions: the second joins mid-run and the first
 * leaves mid-run, so partitions move twice while batches are in flight. Claims are epoch-fenced in
 * Redis and every effect is idempotent, so the outputs equal one uninterrupted run of the engine.
 */
describe('detector rebalance on real Kafka and Redis', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  it('a second detector joining and the first leaving mid-run changes no output', async () => {
    const servers = realServers();
    const prefix = `${uniqueName('fault-rebal')}.`;
    const topics = topicNames(prefix);
    const admin = createKafkaLog({ brokers: servers.kafkaBrokers.split(','), clientId: 'rebal-admin' });
    cleanups.push(() => admin.close());
    await admin.admin().ensureTopics(Object.values(topics).map((name) => ({ name, partitions: 4 })));
    cleanups.push(async () => admin.admin().deleteTopics?.(Object.values(topics)));
    // Few enough cheaters that no device farm is generated: the shared-device outcome is the one
    // rule SPEC §4 lets depend on the order of processing across partitions.
    const traffic = generateTraffic({
      platforms: 3,
      platformIds: ['cvto', 'skillup', 'gongjiang'],
      learners: 300,
      minutes: 90,
      cheaters: 0.04,
      seed: 17,
      startMs: Date.now() - 3 * 3_600_000,
      idPrefix: prefix.replaceAll('.', ''),
    });
    expect([...traffic.labels.values()].some((l) => l.scenario === 'device_farm')).toBe(false);
    const events: AcceptedEvent[] = traffic.events;
    const producer = admin.producer();
    for (let i = 0; i < events.length; i += 2000) {
      await producer.send(
        events
          .slice(i, i + 2000)
          .map((e) => ({ topic: topics.events, key: e.learnerId, value: JSON.stringify(e) })),
      );
    }
    await producer.disconnect();

    let processed = 0;
    const byMember = new Map<string, number>();
    const member = (name: string): { log: Log; state: StateStore; detector: Detector } => {
      const log = createKafkaLog({ brokers: servers.kafkaBrokers.split(','), clientId: name });
      const state = createRedisStateStore({ url: servers.redisUrl, keyPrefix: `hg:${prefix}` });
      const detector = createDetector({
        log,
        state,
        policyFor: createPolicyFor(),
        dayOf: createDayOf('Asia/Shanghai'),
        eventsTopic: topics.events,
        topics,
        groupId: `${prefix}detector`,
        registry: new Registry(),
        logger: { info() {}, warn() {}, error() {} },
        maxBatchSize: 100,
        sessionTimeoutMs: 6000,
        onBatchDone: (b) => {
          processed += b.events;
          byMember.set(name, (byMember.get(name) ?? 0) + b.events);
        },
      });
      cleanups.push(
        () => log.close(),
        () => state.close(),
      );
      return { log, state, detector };
    };
    const first = member('rebal-1');
    await first.detector.start();
    cleanups.push(() => first.detector.stop());
    await eventually(
      async () => processed,
      (n) => n >= events.length * 0.2,
      { timeoutMs: 120_000, what: 'a fifth of the events', intervalMs: 20 },
    );
    const second = member('rebal-2');
    await second.detector.start();
    cleanups.push(() => second.detector.stop());
    await eventually(
      async () => processed,
      (n) => n >= events.length * 0.5,
      { timeoutMs: 120_000, what: 'half of the events', intervalMs: 20 },
    );
    await first.detector.stop();
    const committedToEnd = async () => {
      const [ends, done] = await Promise.all([
        admin.admin().endOffsets(topics.events),
        admin.admin().committedOffsets(`${prefix}detector`, topics.events),
      ]);
      return ends.every((e) => done.find((d) => d.partition === e.partition)?.offset === e.offset);
    };
    await eventually(committedToEnd, Boolean, { timeoutMs: 120_000, what: 'the second detector to finish' });
    await second.detector.stop();
    // Both members did part of the work: partitions really moved between them.
    expect(byMember.get('rebal-1')).toBeGreaterThan(0);
    expect(byMember.get('rebal-2')).toBeGreaterThan(0);

    const expected = runSequence(events, createPolicyFor());
    const expectedSegments = new Map(expected.out.flatMap((o) => o.segments).map((s) => [s.segmentId, s]));
    const segments = latestById(
      (await readTopic(admin, topics.segments, `${prefix}check-seg`)).map(
        (r) => JSON.parse(r.value) as Segment,
      ),
      (s) => s.segmentId,
    );
    expect(segments.size).toBe(expectedSegments.size);
    for (const [id, s] of expectedSegments) expect(segments.get(id), id).toEqual(s);
    const flags = latestById(
      (await readTopic(admin, topics.flags, `${prefix}check-flags`)).map(
        (r) => JSON.parse(r.value) as FlagUpdate,
      ),
      (f) => f.flagId,
      (f) => f.version,
    );
    const expectedFlags = latestById(
      expected.out.flatMap((o) => o.flags),
      (f) => f.flagId,
      (f) => f.version,
    );
    expect(new Map([...flags].sort())).toEqual(new Map([...expectedFlags].sort()));
  }, 400_000);
});
