import { describe, expect, it } from 'vitest';
import { cleanupsAfterAll } from '../support/cleanups';
import { detectorRun, expectOutputsOfEngine, waitForGroup } from '../support/pipeline';
import { eventually } from '../support/servers';

/**
 * SIGKILL the detector process at several points while it works through a pre-loaded events topic
 * on the real Kafka and Redis; after restarts, the segments and flags downstream (deduplicated by id,
 * as the aggregator does) are exactly those of an uninterrupted run of the same events.
 */
describe('detector crash safety on real Kafka and Redis', () => {
  const cleanups = cleanupsAfterAll();

  it('killing the detector mid-batch and restarting it changes no segment and no flag', async () => {
    // One events partition (detectorRun): even the shared-device rule, whose outcome SPEC §4 lets
    // depend on processing order across partitions, must come out identical.
    const { prefix, topics, log, events, detector, group, lag } = await detectorRun({
      name: 'fault-det',
      cleanups,
      learners: 400,
      seed: 41,
      sessionTimeoutMs: 6000,
    });
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
    await waitForGroup(log, group, topics.events, 'the detector to catch up');
    await detector.stop();
    await expectOutputsOfEngine({ log, topics, prefix, events });
  }, 300_000);
});
