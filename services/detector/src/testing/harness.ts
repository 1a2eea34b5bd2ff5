import { type AcceptedEvent, createDayOf, topicNames } from '@hourglass/events';
import { createEmbeddedLog, type Log } from '@hourglass/log';
import { createPolicyFor } from '@hourglass/rules';
import type { StateStore } from '@hourglass/state';
import { Registry } from 'prom-client';
import { createDetector, type DetectorOptions } from '../detector';

/** What the detector's tests over the embedded log share: topics, policy, a silent logger and helpers. */
export const topics = topicNames('t.');
export const quiet = { info() {}, warn() {}, error() {} };
export const policyFor = createPolicyFor();

/** An event time `sec` seconds after 2026-03-01T08:00:00Z. */
export function at(sec: number): string {
  return new Date(Date.UTC(2026, 2, 1, 8, 0, 0) + sec * 1000).toISOString();
}

/** Reads `count` values of a topic from the beginning, with a group of its own. */
export async function collect(log: Log, topic: string, groupId: string, count: number): Promise<string[]> {
  const values: string[] = [];
  const consumer = log.consumer({ groupId });
  await new Promise<void>((resolve) => {
    void consumer.start({
      topics: [topic],
      fromBeginning: true,
      onBatch: async (b) => {
        for (const r of b.records) values.push(r.value);
        if (values.length >= count) resolve();
      },
    });
  });
  await consumer.stop();
  return values;
}

export function embeddedLog(partitions: number): Log {
  const log = createEmbeddedLog({ partitions });
  void log.admin().ensureTopics(Object.values(topics).map((name) => ({ name, partitions })));
  return log;
}

export async function runDetector(
  log: Log,
  state: StateStore,
  registry = new Registry(),
  more: Partial<DetectorOptions> = {},
) {
  const detector = createDetector({
    log,
    state,
    policyFor,
    dayOf: createDayOf('Asia/Shanghai'),
    eventsTopic: topics.events,
    topics,
    groupId: 'detector',
    registry,
    logger: quiet,
    ...more,
  });
  await detector.start();
  return detector;
}

export async function waitFor(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Learner L1's session S1 on cvto, for the crash and state-loss tests: its start at 0 s… */
export const start: AcceptedEvent = {
  platformId: 'cvto',
  learnerId: 'L1',
  sessionId: 'S1',
  id: 's',
  type: 'session.start',
  time: at(0),
  receivedAt: at(1),
  courseId: 'c1',
  deviceId: 'D1',
};

/** …and its active heartbeat i at 30·i s, received 1 s later. */
export function hb(i: number): AcceptedEvent {
  return {
    platformId: 'cvto',
    learnerId: 'L1',
    sessionId: 'S1',
    id: `h${i}`,
    type: 'heartbeat',
    time: at(i * 30),
    receivedAt: at(i * 30 + 1),
    courseId: 'c1',
    seq: i,
    intervalSec: 30,
    focus: true,
    interactions: 1,
  };
}
