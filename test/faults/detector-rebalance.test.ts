import { createDetector, type Detector } from '@hourglass/detector';
import { createDayOf, stateKeyPrefix } from '@hourglass/events';
import { createKafkaLog, type Log } from '@hourglass/log';
import { createPolicyFor } from '@hourglass/rules';
import { createRedisStateStore, type StateStore } from '@hourglass/state';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { cleanupsAfterAll } from '../support/cleanups';
import {
  expectOutputsOfEngine,
  kafkaRun,
  preloadEvents,
  trafficFor,
  waitForGroup,
} from '../support/pipeline';
import { eventually } from '../support/servers';

/**
 * Two detector processes in one group on four partitions: the second joins mid-run and the first
 * leaves mid-run, so partitions move twice while batches are in flight. Claims are epoch-fenced in
 * Redis and every effect is idempotent, so the outputs equal one uninterrupted run of the engine.
 */
describe('detector rebalance on real Kafka and Redis', () => {
  const cleanups = cleanupsAfterAll();

  it('a second detector joining and the first leaving mid-run changes no output', async () => {
    const {
      servers,
      prefix,
      topics,
      log: admin,
    } = await kafkaRun({
      name: 'fault-rebal',
      cleanups,
      eventsPartitions: 4,
    });
    // Few enough cheaters that no device farm is generated: the shared-device outcome is the one
    // rule SPEC §4 lets depend on the order of processing across partitions.
    const traffic = trafficFor(prefix, { learners: 300, cheaters: 0.04, seed: 17 });
    expect([...traffic.labels.values()].some((l) => l.scenario === 'device_farm')).toBe(false);
    const events = traffic.events;
    // The log is filled in two parts, the second once both members are in the group: a detector is
    // fast enough to finish everything alone before a second member has joined.
    const firstPart = Math.floor(events.length * 0.3);
    await preloadEvents(admin, topics.events, events.slice(0, firstPart));

    let processed = 0;
    const byMember = new Map<string, number>();
    const member = (name: string): { log: Log; state: StateStore; detector: Detector } => {
      const log = createKafkaLog({ brokers: servers.kafkaBrokers.split(','), clientId: name });
      const state = createRedisStateStore({ url: servers.redisUrl, keyPrefix: stateKeyPrefix(prefix) });
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
    await preloadEvents(admin, topics.events, events.slice(firstPart));
    await eventually(
      async () => processed,
      (n) => n >= events.length * 0.5,
      { timeoutMs: 120_000, what: 'half of the events', intervalMs: 20 },
    );
    await first.detector.stop();
    await waitForGroup(admin, `${prefix}detector`, topics.events, 'the second detector to finish');
    await second.detector.stop();
    // Both members did part of the work: partitions really moved between them.
    expect(byMember.get('rebal-1')).toBeGreaterThan(0);
    expect(byMember.get('rebal-2')).toBeGreaterThan(0);

    await expectOutputsOfEngine({ log: admin, topics, prefix, events });
  }, 400_000);
});
