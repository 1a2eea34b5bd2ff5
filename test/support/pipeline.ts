import { generateTraffic } from '@hourglass/cli';
import {
  type AcceptedEvent,
  type FlagUpdate,
  type Segment,
  stateKeyPrefix,
  topicNames,
} from '@hourglass/events';
import { createKafkaLog, type Log } from '@hourglass/log';
import { createPolicyFor, runSequence } from '@hourglass/rules';
import { deleteKeysUnder } from '@hourglass/state';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import type { Cleanups } from './cleanups';
import { detectorProcess } from './processes';
import { eventually, realServers, uniqueName } from './servers';
import { latestById, readTopic } from './topics';

export type { Cleanups } from './cleanups';

/**
 * A run of its own on the real Kafka: unique topic prefix, topics created, deleted afterwards, and the
 * Redis keys of detectors under that prefix deleted too (they would otherwise live out their 8-day TTL).
 */
export async function kafkaRun(opts: { name: string; cleanups: Cleanups; eventsPartitions: number }) {
  const servers = realServers();
  const prefix = `${uniqueName(opts.name)}.`;
  const topics = topicNames(prefix);
  opts.cleanups.push(() => deleteKeys(servers.redisUrl, stateKeyPrefix(prefix)));
  const log = createKafkaLog({ brokers: servers.kafkaBrokers.split(','), clientId: opts.name });
  opts.cleanups.push(() => log.close());
  await log.admin().ensureTopics(
    Object.values(topics).map((name) => ({
      name,
      partitions: name === topics.events ? opts.eventsPartitions : 4,
    })),
  );
  opts.cleanups.push(async () => log.admin().deleteTopics?.(Object.values(topics)));
  return { servers, prefix, topics, log };
}

/**
 * A detector run of its own: one events partition (the log order is then the global receivedAt order
 * runSequence uses), labelled traffic pre-loaded, and the `hourglass detector` process, not started.
 */
export async function detectorRun(opts: {
  name: string;
  cleanups: Cleanups;
  learners: number;
  seed: number;
  sessionTimeoutMs: number;
}) {
  const { servers, prefix, topics, log } = await kafkaRun({
    name: opts.name,
    cleanups: opts.cleanups,
    eventsPartitions: 1,
  });
  const { events } = trafficFor(prefix, { learners: opts.learners, cheaters: 0.25, seed: opts.seed });
  await preloadEvents(log, topics.events, events);
  const detector = await detectorProcess({ servers, prefix, sessionTimeoutMs: opts.sessionTimeoutMs });
  opts.cleanups.push(() => detector.stop());
  const group = `${prefix}detector`;
  return {
    servers,
    prefix,
    topics,
    log,
    events,
    detector,
    group,
    lag: () => groupLag(log, group, topics.events),
  };
}

/** Deletes the Redis keys under a prefix (a test's detectors' state). */
export async function deleteKeys(redisUrl: string, keyPrefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await deleteKeysUnder(redis, keyPrefix);
  } finally {
    redis.disconnect();
  }
}

/** Labelled simulator traffic on the demo platforms, ids unique to this run. */
export function trafficFor(prefix: string, opts: { learners: number; cheaters: number; seed: number }) {
  return generateTraffic({
    platforms: 3,
    platformIds: ['cvto', 'skillup', 'gongjiang'],
    minutes: 90,
    startMs: Date.now() - 3 * 3_600_000,
    idPrefix: prefix.replaceAll('.', ''),
    ...opts,
  });
}

/** Appends accepted events to the events topic, keyed by learner, in order. */
export async function preloadEvents(
  log: Log,
  topic: string,
  events: readonly AcceptedEvent[],
): Promise<void> {
  const producer = log.producer();
  for (let i = 0; i < events.length; i += 2000) {
    await producer.send(
      events.slice(i, i + 2000).map((e) => ({ topic, key: e.learnerId, value: JSON.stringify(e) })),
    );
  }
  await producer.disconnect();
}

/** Consumer-group lag of a topic: records appended but not yet committed by the group. */
export async function groupLag(log: Log, groupId: string, topic: string): Promise<number> {
  const [ends, committed] = await Promise.all([
    log.admin().endOffsets(topic),
    log.admin().committedOffsets(groupId, topic),
  ]);
  const done = new Map(committed.map((c) => [c.partition, Number(c.offset ?? 0)]));
  return ends.reduce((n, e) => n + Number(e.offset) - (done.get(e.partition) ?? 0), 0);
}

export async function waitForGroup(log: Log, groupId: string, topic: string, what: string): Promise<void> {
  await eventually(
    () => groupLag(log, groupId, topic),
    (n) => n === 0,
    { timeoutMs: 120_000, what, intervalMs: 100 },
  );
}

/**
 * The detector's outputs as every idempotent consumer downstream sees them (latest per id) equal
 * those of one uninterrupted run of the pure engine over the same events.
 */
export async function expectOutputsOfEngine(opts: {
  log: Log;
  topics: ReturnType<typeof topicNames>;
  prefix: string;
  events: readonly AcceptedEvent[];
}): Promise<void> {
  const expected = runSequence(opts.events, createPolicyFor());
  const expectedSegments = new Map(expected.out.flatMap((o) => o.segments).map((s) => [s.segmentId, s]));
  const expectedFlags = latestById(
    expected.out.flatMap((o) => o.flags),
    (f) => f.flagId,
    (f) => f.version,
  );
  expect(expectedSegments.size).toBeGreaterThan(1000);
  // Every copy, not one per id: the warehouse keeps the first copy of an id and a reader of the topic may
  // see any, so a redelivery after a crash must carry exactly the engine's segment too.
  const copies = (await readTopic(opts.log, opts.topics.segments, `${opts.prefix}check-seg`)).map(
    (r) => JSON.parse(r.value) as Segment,
  );
  for (const c of copies) expect(c, c.segmentId).toEqual(expectedSegments.get(c.segmentId));
  const segments = new Map(copies.map((s) => [s.segmentId, s]));
  const flags = latestById(
    (await readTopic(opts.log, opts.topics.flags, `${opts.prefix}check-flags`)).map(
      (r) => JSON.parse(r.value) as FlagUpdate,
    ),
    (f) => f.flagId,
    (f) => f.version,
  );
  expect(segments.size).toBe(expectedSegments.size);
  for (const [id, s] of expectedSegments) expect(segments.get(id), id).toEqual(s);
  expect(new Map([...flags].sort())).toEqual(new Map([...expectedFlags].sort()));
}
