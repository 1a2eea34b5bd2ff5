import { createDetector } from '@hourglass/detector';
import { createDayOf, stateKeyPrefix } from '@hourglass/events';
import { createPolicyFor } from '@hourglass/rules';
import { createRedisStateStore } from '@hourglass/state';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { cleanupsAfterAll } from '../support/cleanups';
import { serviceCtl } from '../support/infra';
import {
  expectOutputsOfEngine,
  kafkaRun,
  preloadEvents,
  trafficFor,
  waitForGroup,
} from '../support/pipeline';
import { eventually } from '../support/servers';

describe('detector through a Redis outage', () => {
  const cleanups = cleanupsAfterAll(() => serviceCtl('start', 'redis'));

  it('stopping Redis for a few seconds mid-run loses nothing and credits nothing twice', async () => {
    const { servers, prefix, topics, log } = await kafkaRun({
      name: 'fault-redis',
      cleanups,
      eventsPartitions: 1,
    });
    const { events } = trafficFor(prefix, { learners: 150, cheaters: 0.25, seed: 5 });
    await preloadEvents(log, topics.events, events);

    const state = createRedisStateStore({
      url: servers.redisUrl,
      keyPrefix: stateKeyPrefix(prefix),
      commandTimeoutMs: 1000,
    });
    cleanups.push(() => state.close());
    let processed = 0;
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
      // Small batches keep the run long enough that the outage below lands mid-run.
      maxBatchSize: 50,
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
    expect(during).toBeLessThan(events.length); // the outage hit work in progress
    serviceCtl('start', 'redis');
    await waitForGroup(log, `${prefix}detector`, topics.events, 'the detector to resume and finish');
    await detector.stop();
    await expectOutputsOfEngine({ log, topics, prefix, events });
  }, 300_000);
});
