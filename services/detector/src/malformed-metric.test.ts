import { createMemoryStateStore, StateError, type StateStore } from '@hourglass/state';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { collect, embeddedLog, hb, runDetector, start, topics, waitFor } from './testing/harness';

describe('hourglass_detector_events_total{outcome="malformed"}', () => {
  it('a malformed record in a batch that is retried (the state store was down once) is counted once, not once per attempt', async () => {
    const log = embeddedLog(1);
    await log.producer().send([
      { topic: topics.events, key: 'L1', value: JSON.stringify(start) },
      { topic: topics.events, key: 'L1', value: '{"not":"an event"' },
      { topic: topics.events, key: 'L1', value: JSON.stringify(hb(1)) },
    ]);
    const memory = createMemoryStateStore();
    let failures = 1;
    // The first load of the batch's learners fails as an unreachable Redis does; the batch comes again.
    const state: StateStore = {
      ...memory,
      loadLearners: async (ids) => {
        if (failures > 0) {
          failures--;
          throw new StateError('unavailable', 'loadLearners: redis unavailable: connect ECONNREFUSED');
        }
        return memory.loadLearners(ids);
      },
    };
    const registry = new Registry();
    const detector = await runDetector(log, state, registry);
    await collect(log, topics.segments, 'check', 1);
    await waitFor(() => detector.status().processed === 2);
    await detector.stop();
    const metric = await registry.getSingleMetric('hourglass_detector_events_total')?.get();
    const counts = Object.fromEntries(
      (metric?.values ?? []).map((v) => [`${v.labels.type}/${v.labels.outcome}`, v.value]),
    );
    expect(failures).toBe(0);
    expect(counts).toEqual({
      'session.start/applied': 1,
      'heartbeat/applied': 1,
      'unknown/malformed': 1,
    });
  });
});
