import type { AcceptedEvent, FlagUpdate } from '@hourglass/events';
import { partitionFor } from '@hourglass/log';
import { createMemoryStateStore, type StateStore } from '@hourglass/state';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { at, collect, embeddedLog, quiet, runDetector, topics, waitFor } from './testing/harness';

/** The first `n` ids `F0, F1, …` that the log puts on `partition` of 2. */
function learnersOn(partition: number, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (partitionFor(`F${i}`, 2) === partition) out.push(`F${i}`);
  return out;
}

/** A learner's session.start on a device at `sec`, received a second later unless `receivedSec` says. */
function startOn(deviceId: string, learnerId: string, sec: number, receivedSec = sec + 1): AcceptedEvent {
  return {
    platformId: 'cvto',
    learnerId,
    sessionId: `${learnerId}-s`,
    id: `${learnerId}-s-start`,
    type: 'session.start',
    time: at(sec),
    receivedAt: at(receivedSec),
    courseId: 'c1',
    deviceId,
  };
}

const farmStart = (learnerId: string, sec: number) => startOn('FARM', learnerId, sec);

/**
 * Holds every commit that writes device starts until `parties` batches have read their device windows:
 * the two partitions' batches then run the shared-device check at once, each seeing only its own starts.
 * This is what concurrent partitions do under load (seen replaying 660k events: farms of 5 split across
 * partitions got no flag at all). Released after 5 s regardless, so a different schedule fails the
 * assertions rather than hanging.
 */
function storeWithConcurrentReads(inner: StateStore, parties: number): StateStore {
  let reads = 0;
  let release: () => void = () => {};
  const allRead = new Promise<void>((resolve) => {
    release = resolve;
    setTimeout(resolve, 5000).unref();
  });
  return {
    ...inner,
    async loadDevices(ids) {
      const windows = await inner.loadDevices(ids);
      if (++reads === parties) release();
      return windows;
    },
    async commit(req) {
      if (req.deviceStarts.length > 0) await allRead;
      return inner.commit(req);
    },
  };
}

describe('shared devices across partitions (SPEC §4)', () => {
  it('flags at least (learners − limit) sessions of a device whose learners two partitions process at once; the batch that runs again reports its bad record once', async () => {
    // Four learners start sessions on one device within a minute (limit 3): two on each partition.
    const farm = [...learnersOn(0, 2), ...learnersOn(1, 2)];
    const events = farm.map((learnerId, i) => farmStart(learnerId, i * 20));
    const log = embeddedLog(2);
    const state = storeWithConcurrentReads(createMemoryStateStore(), 2);
    const assigned: number[][] = [[], []];
    const registries = [new Registry(), new Registry()];
    const detectors: Awaited<ReturnType<typeof runDetector>>[] = [];
    const skipped: unknown[] = [];
    for (const i of [0, 1]) {
      const logger = {
        ...quiet,
        error: (obj: object, msg?: string) => {
          if (msg?.startsWith('record on the events topic that is not')) skipped.push(obj);
        },
        info: (obj: object, msg?: string) => {
          if (msg === 'partitions assigned') {
            const parts = (obj as { assigned: { partition: number }[] }).assigned;
            assigned[i] = parts.map((p) => p.partition);
          }
        },
      };
      detectors.push(await runDetector(log, state, registries[i], { logger }));
    }
    // One partition each, so the two batches are processed by two consumers at the same time.
    await waitFor(() => assigned[0]?.length === 1 && assigned[1]?.length === 1);
    // And in each partition's batch a record that is not an event: the batch that runs twice parses its
    // records twice, but reports (and counts) the bad one once.
    const bad = [farm[0]!, farm[2]!]; // a learner of partition 0, then one of partition 1
    await log
      .producer()
      .send([
        ...events.map((e) => ({ topic: topics.events, key: e.learnerId, value: JSON.stringify(e) })),
        ...bad.map((learnerId) => ({ topic: topics.events, key: learnerId, value: '{"not":"an event"}' })),
      ]);
    await waitFor(() => detectors.reduce((n, d) => n + d.status().processed, 0) === events.length, 10_000);
    await Promise.all(detectors.map((d) => d.stop()));

    const ends = await log.admin().endOffsets(topics.flags);
    const produced = ends.reduce((n, e) => n + Number(e.offset), 0);
    const flags = (produced === 0 ? [] : await collect(log, topics.flags, 'check', produced)).map(
      (v) => JSON.parse(v) as FlagUpdate,
    );
    const shared = flags.filter((f) => f.kind === 'shared_device');
    expect(shared.length).toBeGreaterThanOrEqual(farm.length - 3);
    // The flag names all four: the batch that committed second ran again and saw the first one's starts.
    expect(shared[0]?.evidence[0]?.learnerIds).toEqual([...farm].sort());
    const conflicts = await Promise.all(
      registries.map(
        async (r) =>
          (await r.getSingleMetric('hourglass_detector_device_conflicts_total')?.get())?.values[0]?.value ??
          0,
      ),
    );
    expect(conflicts[0]! + conflicts[1]!).toBe(1);
    expect(skipped).toHaveLength(2);
    const malformed = await Promise.all(
      registries.map(async (r) =>
        ((await r.getSingleMetric('hourglass_detector_events_total')?.get())?.values ?? [])
          .filter((v) => v.labels.outcome === 'malformed')
          .reduce((n, v) => n + v.value, 0),
      ),
    );
    expect(malformed[0]! + malformed[1]!).toBe(2);
  });
});

describe('shared device: a session.start processed late (SPEC §4 "as known at that moment")', () => {
  const H = 3600;
  const onD1 = (learnerId: string, sec: number, receivedSec?: number) =>
    startOn('D1', learnerId, sec, receivedSec);

  it('a start processed 6 days after a newer start on its device still sees the starts 24 h before it', async () => {
    const log = embeddedLog(1);
    const detector = await runDetector(log, createMemoryStateStore());
    const producer = log.producer();
    const send = async (events: AcceptedEvent[], total: number) => {
      await producer.send(
        events.map((e) => ({ topic: topics.events, key: e.learnerId, value: JSON.stringify(e) })),
      );
      await waitFor(() => detector.status().processed === total, 10_000);
    };
    // Limit 3: three learners on D1 within three hours, nobody flagged.
    await send([onD1('L1', 0), onD1('L2', 1 * H), onD1('L3', 2 * H)], 3);
    // A fourth learner four days later, far from the others: not flagged either.
    await send([onD1('L4', 96 * H)], 4);
    // L5's start at +20 h, received at +164 h (6 days late; ingest takes up to 7 days): within 24 h of
    // +20 h are L1, L2, L3 and L5 itself, 4 learners > 3, as in time order.
    await send([onD1('L5', 20 * H, 164 * H)], 5);
    await detector.stop();

    const produced = (await log.admin().endOffsets(topics.flags)).reduce((n, e) => n + Number(e.offset), 0);
    const flags = (produced === 0 ? [] : await collect(log, topics.flags, 'check', produced)).map(
      (v) => JSON.parse(v) as FlagUpdate,
    );
    expect(flags.filter((f) => f.kind === 'shared_device').map((f) => f.learnerId)).toEqual(['L5']);
  });
});
