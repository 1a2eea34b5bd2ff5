import { stateKeyPrefix } from '@hourglass/events';
import { createRedisStateStore } from '@hourglass/state';
import { describe, expect, it } from 'vitest';
import { cleanupsAfterAll } from '../support/cleanups';
import { groupMembers } from '../support/groups';
import { detectorRun, expectOutputsOfEngine, waitForGroup } from '../support/pipeline';
import { eventually } from '../support/servers';

/**
 * SIGTERM to a busy `hourglass detector` process: it finishes the batch in flight, commits it, leaves
 * the group and exits 0. So, right after it exited, the group has no member left (no waiting for a
 * session timeout before another process gets the partition) and the committed offset is exactly the
 * one after the last record whose effects are in Redis; a restart finishes the run with the outputs
 * of one uninterrupted run.
 */
describe('detector graceful shutdown on real Kafka and Redis', () => {
  const cleanups = cleanupsAfterAll();

  it('on SIGTERM mid-run it finishes and commits its batch, leaves the group and exits 0', async () => {
    // A long session on purpose: a member that did not leave would still be listed after it exited.
    const { servers, prefix, topics, log, events, detector, group, lag } = await detectorRun({
      name: 'fault-det-term',
      cleanups,
      learners: 300,
      seed: 43,
      sessionTimeoutMs: 30_000,
    });
    const total = await lag();

    await detector.start();
    await eventually(lag, (n) => n <= total * 0.6, { timeoutMs: 120_000, what: 'progress', intervalMs: 20 });
    const stopped = Date.now();
    expect(await detector.stop()).toEqual({ code: 0, signal: null });
    expect(Date.now() - stopped).toBeLessThan(15_000);

    expect(await groupMembers(servers.kafkaBrokers, group)).toEqual([]);

    const remaining = await lag();
    expect(remaining).toBeGreaterThan(0); // it was stopped mid-run
    const committed = await log.admin().committedOffsets(group, topics.events);
    const state = createRedisStateStore({ url: servers.redisUrl, keyPrefix: stateKeyPrefix(prefix) });
    cleanups.push(() => state.close());
    // Read through a claim (it only bumps the epoch; the restarted detector claims anew anyway).
    const claim = await state.claimPartition(`${topics.events}/0`);
    expect(committed).toEqual([{ partition: 0, offset: String(Number(claim.watermark) + 1) }]);

    await detector.start();
    await waitForGroup(log, group, topics.events, 'the detector to finish');
    await detector.stop();
    await expectOutputsOfEngine({ log, topics, prefix, events });
  }, 300_000);
});
