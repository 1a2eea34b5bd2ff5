import type { AcceptedEvent, Segment } from '@hourglass/events';
import { stateKeyPrefix } from '@hourglass/events';
import { createPolicyFor, MAX_SESSIONS, runSequence } from '@hourglass/rules';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { cleanupsAfterAll } from '../support/cleanups';
import {
  expectOutputsOfEngine,
  kafkaRun,
  preloadEvents,
  trafficFor,
  waitForGroup,
} from '../support/pipeline';
import { detectorProcess } from '../support/processes';
import { readTopic } from '../support/topics';

/**
 * A platform that mints a session id per sitting, 250 of them for one learner, among ordinary traffic,
 * then replays the learner's first 40 sittings under new event ids: through the `hourglass detector`
 * process on the real Kafka and Redis, the outputs are the pure engine's, the learner's state in Redis
 * keeps 100 sessions (format 3, with its floor), and the replays credit nothing.
 */
describe('session cap through the detector on real Kafka and Redis', () => {
  const cleanups = cleanupsAfterAll();

  it('a learner over the cap keeps 100 sessions in Redis and replays of dropped sessions credit nothing', async () => {
    const { servers, prefix, topics, log } = await kafkaRun({
      name: 'e2e-cap',
      cleanups,
      eventsPartitions: 1,
    });
    const { events: ordinary } = trafficFor(prefix, { learners: 60, cheaters: 0.25, seed: 7 });
    const learnerId = `${prefix.replaceAll('.', '')}-minter`;
    const t0 = Date.now() - 2 * 3_600_000;
    // Sitting i: two heartbeats 30 s apart, sittings 20 s apart (so each overlaps the next).
    const sitting = (i: number, tag: string): AcceptedEvent[] =>
      [0, 1].map((k) => {
        const time = new Date(t0 + i * 20_000 + k * 30_000).toISOString();
        return {
          id: `${tag}-${i}-${k}`,
          type: 'heartbeat',
          time,
          receivedAt: time,
          platformId: 'cvto',
          learnerId,
          sessionId: `minted-${i}`,
          courseId: 'c-minted',
          seq: k + 1,
          intervalSec: 30,
          focus: true,
          interactions: 1,
        };
      });
    const minted = Array.from({ length: 250 }, (_, i) => sitting(i, 'hb')).flat();
    const replays = Array.from({ length: 40 }, (_, i) => sitting(i, 'replay')).flat();
    const events = [...ordinary.slice(0, 5000), ...minted, ...ordinary.slice(5000), ...replays];
    await preloadEvents(log, topics.events, events);

    const detector = await detectorProcess({ servers, prefix, sessionTimeoutMs: 6000 });
    cleanups.push(() => detector.stop());
    await detector.start();
    await waitForGroup(log, `${prefix}detector`, topics.events, 'the detector to catch up');
    await detector.stop();

    await expectOutputsOfEngine({ log, topics, prefix, events });

    const expected = runSequence(events, createPolicyFor()).states.get(learnerId);
    expect(expected?.sessions).toHaveLength(MAX_SESSIONS);
    const redis = new Redis(servers.redisUrl);
    cleanups.push(async () => redis.disconnect());
    const stored = await redis.get(`${stateKeyPrefix(prefix)}l:{${learnerId}}`);
    expect(stored?.startsWith(`3|${learnerId}|`)).toBe(true);
    // The latest touch of a dropped sitting: the second heartbeat of sitting 149.
    expect(expected?.floorMs).toBe(t0 + 149 * 20_000 + 30_000);

    // Every sitting was credited, by its second heartbeat; the replays added no segment.
    const segments = (await readTopic(log, topics.segments, `${prefix}cap-seg`))
      .map((r) => JSON.parse(r.value) as Segment)
      .filter((s) => s.learnerId === learnerId);
    expect(new Set(segments.map((s) => s.sessionId)).size).toBe(250);
    expect(segments.every((s) => !s.eventId.startsWith('replay-'))).toBe(true);
  }, 180_000);
});
