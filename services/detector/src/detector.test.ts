import type { AcceptedEvent, Segment } from '@hourglass/events';
import { runSequence, serializeState } from '@hourglass/rules';
import { createMemoryStateStore } from '@hourglass/state';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { at, collect, embeddedLog, policyFor, quiet, runDetector, topics, waitFor } from './testing/harness';

function studySession(
  learnerId: string,
  sessionId: string,
  deviceId: string,
  beats: number,
): AcceptedEvent[] {
  const base = { platformId: 'cvto', learnerId, sessionId } as const;
  const events: AcceptedEvent[] = [
    {
      ...base,
      id: `${sessionId}-s`,
      type: 'session.start',
      time: at(0),
      receivedAt: at(1),
      courseId: 'c1',
      deviceId,
    },
  ];
  for (let i = 1; i <= beats; i++) {
    events.push({
      ...base,
      id: `${sessionId}-h${i}`,
      type: 'heartbeat',
      time: at(i * 30),
      receivedAt: at(i * 30 + 1),
      courseId: 'c1',
      seq: i,
      intervalSec: 30,
      focus: true,
      interactions: i % 3,
    });
  }
  events.push({
    ...base,
    id: `${sessionId}-e`,
    type: 'session.end',
    time: at(beats * 30 + 10),
    receivedAt: at(beats * 30 + 11),
  });
  return events;
}

describe('detector over the embedded log and memory state', () => {
  const events = [
    ...studySession('L1', 'S1', 'D1', 8),
    ...studySession('L2', 'S2', 'D2', 5),
    ...studySession('L1', 'S1', 'D1', 8), // a platform resending everything: duplicates change nothing
  ];
  const expected = runSequence(events, policyFor).out.flatMap((o) => o.segments);

  it('produces exactly the segments the pure engine computes for the same events', async () => {
    const log = embeddedLog(2);
    const producer = log.producer();
    await producer.send(
      events.map((e) => ({ topic: topics.events, key: e.learnerId, value: JSON.stringify(e) })),
    );
    const detector = await runDetector(log, createMemoryStateStore());
    const produced = await collect(log, topics.segments, 'check', expected.length);
    await detector.stop();
    const byId = (a: Segment, b: Segment) => a.segmentId.localeCompare(b.segmentId);
    expect(produced.map((v) => JSON.parse(v) as Segment).sort(byId)).toEqual([...expected].sort(byId));
    expect(expected.reduce((n, s) => n + (s.endMs - s.startMs), 0)).toBe(
      8 * 30_000 + 10_000 + 5 * 30_000 + 10_000,
    );
  });

  it('counts events by type and outcome, segments by status and flag updates by kind in /metrics, and accepted events per platform and day', async () => {
    const log = embeddedLog(2);
    const producer = log.producer();
    await producer.send(
      events.map((e) => ({ topic: topics.events, key: e.learnerId, value: JSON.stringify(e) })),
    );
    const registry = new Registry();
    const detector = await runDetector(log, createMemoryStateStore(), registry);
    await waitFor(() => detector.status().processed === events.length);
    await detector.stop();
    const values = async (name: string) =>
      Object.fromEntries(
        (await registry.getSingleMetric(name)?.get())?.values.map((v) => [
          Object.values(v.labels).join(),
          v.value,
        ]) ?? [],
      );
    // Two sessions (1 + 9 + 1 and 1 + 5 + 1 events), then the first one resent whole.
    expect(await values('hourglass_detector_events_total')).toEqual({
      'session.start,applied': 2,
      'heartbeat,applied': 13,
      'session.end,applied': 2,
      'session.start,duplicate': 1,
      'heartbeat,duplicate': 8,
      'session.end,duplicate': 1,
    });
    const byStatus: Record<string, number> = {};
    for (const s of expected) byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
    expect(await values('hourglass_detector_segments_total')).toEqual(byStatus);
    const flagKinds: Record<string, number> = {};
    for (const o of runSequence(events, policyFor).out)
      for (const f of o.flags) flagKinds[f.kind] = (flagKinds[f.kind] ?? 0) + 1;
    expect(await values('hourglass_detector_flag_updates_total')).toEqual(flagKinds);
    const ends = await log.admin().endOffsets(topics.counts);
    const counts = await collect(
      log,
      topics.counts,
      'counts',
      ends.reduce((n, e) => n + Number(e.offset), 0),
    );
    const accepted = counts.map(
      (v) => JSON.parse(v) as { platformId: string; day: string; accepted: number; segments: number },
    );
    expect(accepted.every((c) => c.platformId === 'cvto' && c.day === '2026-03-01')).toBe(true);
    expect(accepted.reduce((n, c) => n + c.accepted, 0)).toBe(events.length);
    // ...and the segments they emitted, for the warehouse's reconciliation.
    expect(accepted.reduce((n, c) => n + c.segments, 0)).toBe(expected.length);
  });

  // One learner on 300 sessions of one heartbeat each (a platform minting a session id per heartbeat),
  // which the session cap cuts to 100, and one with a single short session: one batch, whose largest
  // state is the first learner's.
  const mintedBatch = (): AcceptedEvent[] => [
    ...Array.from(
      { length: 300 },
      (_, i): AcceptedEvent => ({
        platformId: 'cvto',
        learnerId: 'L-many',
        sessionId: `M${i}`,
        id: `M${i}-h1`,
        type: 'heartbeat',
        time: at(i),
        receivedAt: at(i + 1),
        courseId: 'c1',
        seq: 1,
        intervalSec: 30,
        focus: true,
        interactions: 1,
      }),
    ),
    ...studySession('L-one', 'S9', 'D9', 2),
  ];
  /** The size of L-many's state after the batch, as the engine alone serializes it. */
  const manyStateBytes = (batch: AcceptedEvent[]) =>
    Buffer.byteLength(serializeState(runSequence(batch, policyFor).states.get('L-many')!));
  const logWith = async (batch: AcceptedEvent[]) => {
    const log = embeddedLog(1);
    await log
      .producer()
      .send(batch.map((e) => ({ topic: topics.events, key: e.learnerId, value: JSON.stringify(e) })));
    return log;
  };

  it('reports the largest learner state each batch wrote in /metrics, in bytes', async () => {
    const batch = mintedBatch();
    const log = await logWith(batch);
    const registry = new Registry();
    const detector = await runDetector(log, createMemoryStateStore(), registry);
    await waitFor(() => detector.status().processed === batch.length);
    await detector.stop();

    const largest = manyStateBytes(batch);
    expect(largest).toBeGreaterThan(100 * 40);
    const metric = await registry.getSingleMetric('hourglass_detector_largest_state_bytes')?.get();
    // A histogram's values name their series (_bucket, _sum, _count) in metricName.
    const values = (metric?.values ?? []) as {
      metricName?: string;
      labels: { le?: number };
      value: number;
    }[];
    const value = (name: string, le?: number) =>
      values.find((v) => v.metricName === name && (le === undefined || v.labels.le === le))?.value;
    expect(value('hourglass_detector_largest_state_bytes_count')).toBe(1);
    expect(value('hourglass_detector_largest_state_bytes_sum')).toBe(largest);
    expect(value('hourglass_detector_largest_state_bytes_bucket', 4096)).toBe(0);
    expect(value('hourglass_detector_largest_state_bytes_bucket', 16_384)).toBe(1);
  });

  it('counts and names, once per batch, the learners whose sessions went over the session cap', async () => {
    const batch = mintedBatch();
    const warnings: { obj: object; msg: string | undefined }[] = [];
    const logger = { ...quiet, warn: (obj: object, msg?: string) => warnings.push({ obj, msg }) };
    const registry = new Registry();
    const state = createMemoryStateStore();
    const detector = await runDetector(await logWith(batch), state, registry, { logger });
    await waitFor(() => detector.status().processed === batch.length);
    await detector.stop();

    expect(warnings.filter((w) => w.msg?.startsWith('learners over the session cap'))).toEqual([
      {
        obj: { partition: `${topics.events}/0`, learners: 1, learnerIds: ['L-many'] },
        msg: 'learners over the session cap: their least recently touched sessions were dropped',
      },
    ]);
    const metric = await registry.getSingleMetric('hourglass_detector_session_cap_learners_total')?.get();
    expect(metric?.values[0]?.value).toBe(1);
    // The stored state keeps the 100 latest sessions and a floor at the latest touch of those dropped.
    const stored = runSequence(batch, policyFor).states.get('L-many')!;
    expect(stored.sessions.map((s) => s.sessionId)).toEqual(
      Array.from({ length: 100 }, (_, i) => `M${i + 200}`),
    );
    expect(stored.floorMs).toBe(Date.parse(at(199)));
    expect((await state.loadLearners(['L-many'])).get('L-many')).toBe(serializeState(stored));
  });

  it('warns, naming the learner, when a batch writes a state larger than largeStateBytes', async () => {
    const batch = mintedBatch();
    const largest = manyStateBytes(batch);
    const warningsAt = async (largeStateBytes: number) => {
      const warnings: { obj: object; msg: string | undefined }[] = [];
      const logger = { ...quiet, warn: (obj: object, msg?: string) => warnings.push({ obj, msg }) };
      const detector = await runDetector(await logWith(batch), createMemoryStateStore(), new Registry(), {
        logger,
        largeStateBytes,
      });
      await waitFor(() => detector.status().processed === batch.length);
      await detector.stop();
      return warnings.filter((w) => w.msg?.startsWith('large learner state'));
    };
    expect((await warningsAt(largest - 1)).map((w) => w.obj)).toEqual([
      { partition: `${topics.events}/0`, learnerId: 'L-many', stateBytes: largest },
    ]);
    expect(await warningsAt(largest)).toEqual([]);
  });

  it('a restarted detector resumes after its watermark: no segment is produced twice except the outbox', async () => {
    const log = embeddedLog(1);
    const state = createMemoryStateStore();
    const producer = log.producer();
    const first = events.slice(0, 10);
    await producer.send(
      first.map((e) => ({ topic: topics.events, key: e.learnerId, value: JSON.stringify(e) })),
    );
    const d1 = await runDetector(log, state);
    await waitFor(() => d1.status().processed === first.length);
    await d1.stop();
    await producer.send(
      events.slice(10).map((e) => ({ topic: topics.events, key: e.learnerId, value: JSON.stringify(e) })),
    );
    const d2 = await runDetector(log, state);
    await waitFor(() => d2.status().processed === events.length - first.length);
    await d2.stop();
    const ends = await log.admin().endOffsets(topics.segments);
    const total = ends.reduce((n, e) => n + Number(e.offset), 0);
    const produced = await collect(log, topics.segments, 'check', total);
    const unique = new Map(produced.map((v) => [(JSON.parse(v) as Segment).segmentId, v]));
    // Every distinct segment is the engine's; only the re-produced outbox may repeat ids.
    expect(unique.size).toBe(expected.length);
    expect(
      [...unique.values()].map((v) => JSON.parse(v)).sort((a, b) => a.segmentId.localeCompare(b.segmentId)),
    ).toEqual([...expected].sort((a, b) => a.segmentId.localeCompare(b.segmentId)));
  });

  it('a detector whose partition was claimed by another process is fenced and writes nothing', async () => {
    const log = embeddedLog(1);
    const state = createMemoryStateStore();
    const producer = log.producer();
    const d1 = await runDetector(log, state);
    const send = (list: AcceptedEvent[]) =>
      producer.send(list.map((e) => ({ topic: topics.events, key: e.learnerId, value: JSON.stringify(e) })));
    await send(events.slice(0, 3));
    await waitFor(() => d1.status().processed === 3);
    const before = await state.loadLearners(['L1']);
    // Another process takes the partition over (as after a rebalance during a long GC pause).
    await state.claimPartition(`${topics.events}/0`);
    await send(events.slice(3, 6));
    await new Promise((r) => setTimeout(r, 300));
    expect(d1.status().processed).toBe(3);
    expect(await state.loadLearners(['L1'])).toEqual(before);
    await d1.stop();
  });

  it('skips a record that is not a valid accepted event, whatever is wrong with it, instead of blocking the partition', async () => {
    const log = embeddedLog(1);
    const producer = log.producer();
    const good = studySession('L9', 'S9', 'D9', 4);
    const poison = { ...good[1], id: 'S9-bad', time: 'not a time' } as unknown as AcceptedEvent;
    const sent = [good[0]!, poison, ...good.slice(1)];
    await producer.send([
      ...sent.map((e) => ({ topic: topics.events, key: e.learnerId, value: JSON.stringify(e) })),
      { topic: topics.events, key: 'L9', value: '{"not":"an event"' },
      // A tab in an id could not be kept in the outbox: refused when read, not at the commit.
      {
        topic: topics.events,
        key: 'L9',
        value: JSON.stringify({ ...good[1], id: 'S9-t', learnerId: 'L9\t' }),
      },
      {
        topic: topics.events,
        key: 'L9',
        value: JSON.stringify({ ...good[1], id: 'S9-x', type: 'x'.repeat(9) }),
      },
    ]);
    const registry = new Registry();
    const detector = await runDetector(log, createMemoryStateStore(), registry);
    const expectedGood = runSequence(good, policyFor).out.flatMap((o) => o.segments);
    const produced = await collect(log, topics.segments, 'check', expectedGood.length);
    await waitFor(() => detector.status().processed === good.length);
    await detector.stop();
    expect(produced.map((v) => JSON.parse(v) as Segment)).toEqual(expectedGood);
    // Counted by the type the record names; not JSON, or a type outside the schema's list, is 'unknown'.
    const metric = await registry.getSingleMetric('hourglass_detector_events_total')?.get();
    const malformed = metric?.values
      .filter((v) => v.labels.outcome === 'malformed')
      .map((v) => [v.labels.type, v.value])
      .sort();
    expect(malformed).toEqual([
      ['heartbeat', 2],
      ['unknown', 2],
    ]);
  });

  it('property: whatever records the events topic holds, the detector consumes and commits every one of them', async () => {
    const base = studySession('L1', 'S1', 'D1', 6);
    const odd = fc.oneof(
      fc.constantFrom(null, 42, -1, 1e300, '', 'x\ty', 'L1\n', {}, [], true, 'x'.repeat(300), 'not a time'),
      fc.string(),
    );
    const record = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...base.map((e) => JSON.stringify(e))) },
      {
        weight: 3,
        arbitrary: fc
          .tuple(
            fc.constantFrom(...base),
            fc.constantFrom(
              'id',
              'type',
              'time',
              'receivedAt',
              'learnerId',
              'platformId',
              'sessionId',
              'seq',
              'intervalSec',
              'deviceId',
              'courseId',
            ),
            odd,
          )
          .map(([e, key, value]) => JSON.stringify({ ...e, [key]: value })),
      },
      { weight: 1, arbitrary: fc.oneof(fc.string(), fc.json()) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 25 }), async (values) => {
        const log = embeddedLog(1);
        await log.producer().send(values.map((value) => ({ topic: topics.events, key: 'L1', value })));
        const detector = await runDetector(log, createMemoryStateStore());
        const committed = async () =>
          Number((await log.admin().committedOffsets('detector', topics.events))[0]?.offset ?? 0);
        const until = Date.now() + 5000;
        while ((await committed()) < values.length && Date.now() < until) {
          await new Promise((r) => setTimeout(r, 5));
        }
        await detector.stop();
        expect(await committed()).toBe(values.length);
      }),
      { numRuns: 400 },
    );
  }, 120_000);
});
