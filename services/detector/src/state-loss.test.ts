import { randomUUID } from 'node:crypto';
import type { AcceptedEvent, EventCountRecord, Segment } from '@hourglass/events';
import {
  createMemoryStateStore,
  createRedisStateStore,
  deleteKeysUnder,
  StateError,
  type StateStore,
} from '@hourglass/state';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { at, collect, embeddedLog, runDetector, topics, waitFor } from './testing/harness';

const base = { platformId: 'cvto', learnerId: 'L1', sessionId: 'S1' } as const;
const start: AcceptedEvent = {
  ...base,
  id: 's',
  type: 'session.start',
  time: at(0),
  receivedAt: at(1),
  courseId: 'c1',
  deviceId: 'D1',
};
const hb = (i: number): AcceptedEvent => ({
  ...base,
  id: `h${i}`,
  type: 'heartbeat',
  time: at(i * 30),
  receivedAt: at(i * 30 + 1),
  courseId: 'c1',
  seq: i,
  intervalSec: 30,
  focus: true,
  interactions: 1,
});

/** Forwards every call to whichever store `current()` names at the time. */
function switchable(current: () => StateStore): StateStore {
  return {
    kind: 'memory',
    claimPartition: (p) => current().claimPartition(p),
    loadLearners: (ids) => current().loadLearners(ids),
    loadDevices: (ids) => current().loadDevices(ids),
    commit: (req) => current().commit(req),
    clearOutbox: (p, e, w) => current().clearOutbox(p, e, w),
    ping: () => current().ping(),
    close: () => current().close(),
    stats: () => current().stats(),
  };
}

function pipeline(store: StateStore) {
  const log = embeddedLog(1);
  const producer = log.producer();
  return {
    log,
    detector: runDetector(log, store),
    send: (list: AcceptedEvent[]) =>
      producer.send(list.map((e) => ({ topic: topics.events, key: e.learnerId, value: JSON.stringify(e) }))),
    committed: async () => (await log.admin().committedOffsets('detector', topics.events))[0]?.offset,
    /** Segments as the warehouse keeps them (first copy per id), and the ids produced with two contents. */
    async segments() {
      const ends = await log.admin().endOffsets(topics.segments);
      const all = (await collect(log, topics.segments, 'check', Number(ends[0]!.offset))).map(
        (v) => JSON.parse(v) as Segment,
      );
      const first = new Map<string, Segment>();
      for (const s of all) if (!first.has(s.segmentId)) first.set(s.segmentId, s);
      const twoContents = [...first.keys()].filter(
        (id) => new Set(all.filter((s) => s.segmentId === id).map((s) => JSON.stringify(s))).size > 1,
      );
      return { verifiedMs: [...first.values()].reduce((n, s) => n + s.endMs - s.startMs, 0), twoContents };
    },
  };
}

describe('the state store loses data under a running detector (DESIGN: notice it and rebuild from the log)', () => {
  it('a restart without persistence (every key gone): the detector claims again, rebuilds and goes on', async () => {
    let live = createMemoryStateStore();
    const p = pipeline(switchable(() => live));
    const detector = await p.detector;
    await p.send([start, hb(1), hb(2)]);
    await waitFor(async () => (await p.committed()) === '3');
    live = createMemoryStateStore(); // Redis restarted with nothing
    await p.send([hb(3), hb(4)]);
    await waitFor(async () => (await p.committed()) === '5', 5000);
    await detector.stop();
    expect(await p.segments()).toEqual({ verifiedMs: 120_000, twoContents: [] });
  });

  it('a restart from an AOF missing the last commit: the batch is not applied to the older state', async () => {
    const clock = { now: () => 1_000 };
    const primary = createMemoryStateStore(clock);
    const snapshot = createMemoryStateStore(clock);
    let current = primary;
    let mirroring = true;
    const store = switchable(() => current);
    const mirrored: StateStore = {
      ...store,
      async claimPartition(partition) {
        if (mirroring) await snapshot.claimPartition(partition);
        return current.claimPartition(partition);
      },
      async commit(req) {
        if (mirroring) await snapshot.commit(req);
        return current.commit(req);
      },
    };
    const p = pipeline(mirrored);
    const detector = await p.detector;
    await p.send([start, hb(1), hb(2)]);
    await waitFor(async () => (await p.committed()) === '3');
    mirroring = false; // the AOF's last fsync
    await p.send([hb(3)]);
    await waitFor(async () => (await p.committed()) === '4');
    current = snapshot; // restarted: the commit of hb 3 is gone, the epoch is not
    await p.send([hb(4)]);
    await waitFor(async () => (await p.committed()) === '5', 5000);
    await detector.stop();
    // Without the check, hb 4 closed (60, 120] on the state after hb 2: the id of hb 3's (60, 90] with
    // another content, and the warehouse kept 90 s.
    expect(await p.segments()).toEqual({ verifiedMs: 120_000, twoContents: [] });
  });

  it('a rebuild counts no event twice: the per-platform-day counts over distinct ids equal the events and segments', async () => {
    const events = [start, hb(1), hb(2), hb(3), hb(4), hb(5)];
    const log = embeddedLog(1);
    const producer = log.producer();
    const send = (list: AcceptedEvent[]) =>
      producer.send(list.map((e) => ({ topic: topics.events, key: e.learnerId, value: JSON.stringify(e) })));
    const committed = async () => (await log.admin().committedOffsets('detector', topics.events))[0]?.offset;
    // First life: batches of 2, so its count ids name offsets 0-1 and 2-3.
    await send(events.slice(0, 4));
    const first = await runDetector(log, createMemoryStateStore(), undefined, { maxBatchSize: 2 });
    await waitFor(async () => (await committed()) === '4');
    await first.stop();
    // The store lost everything; two more events; the next life rebuilds offsets 0-3 in other batches.
    await send(events.slice(4));
    const second = await runDetector(log, createMemoryStateStore());
    await waitFor(async () => (await committed()) === '6');
    await second.stop();

    const ends = await log.admin().endOffsets(topics.counts);
    const counts = (await collect(log, topics.counts, 'counts', Number(ends[0]!.offset))).map(
      (v) => JSON.parse(v) as EventCountRecord,
    );
    const firstCopy = new Map<string, EventCountRecord>();
    for (const c of counts) if (!firstCopy.has(c.countId)) firstCopy.set(c.countId, c);
    const sum = (k: 'accepted' | 'segments') => [...firstCopy.values()].reduce((n, c) => n + (c[k] ?? 0), 0);
    expect({ accepted: sum('accepted'), segments: sum('segments') }).toEqual({ accepted: 6, segments: 5 });
  });

  it('a rebuild interrupted after its first batch counts no event twice either (the counted offset is stored)', async () => {
    const events = [start, hb(1), hb(2), hb(3), hb(4), hb(5)];
    const log = embeddedLog(1);
    const producer = log.producer();
    const send = (list: AcceptedEvent[]) =>
      producer.send(list.map((e) => ({ topic: topics.events, key: e.learnerId, value: JSON.stringify(e) })));
    const committed = async () => (await log.admin().committedOffsets('detector', topics.events))[0]?.offset;
    await send(events.slice(0, 4));
    const first = await runDetector(log, createMemoryStateStore(), undefined, { maxBatchSize: 4 });
    await waitFor(async () => (await committed()) === '4');
    await first.stop();
    await send(events.slice(4));
    // The rebuild's second commit fails (its reply lost): the detector forgets its claim and claims
    // again, and all it knows then of what was counted is what the store holds.
    const store = createMemoryStateStore();
    let commits = 0;
    const failing: StateStore = {
      ...switchable(() => store),
      async commit(req) {
        commits += 1;
        if (commits === 2) throw new StateError('unavailable', 'reply lost');
        return store.commit(req);
      },
    };
    const second = await runDetector(log, failing, undefined, { maxBatchSize: 2 });
    await waitFor(async () => (await committed()) === '6');
    await second.stop();
    expect(commits).toBeGreaterThan(3);

    const ends = await log.admin().endOffsets(topics.counts);
    const counts = (await collect(log, topics.counts, 'counts', Number(ends[0]!.offset))).map(
      (v) => JSON.parse(v) as EventCountRecord,
    );
    const firstCopy = new Map<string, EventCountRecord>();
    for (const c of counts) if (!firstCopy.has(c.countId)) firstCopy.set(c.countId, c);
    const sum = (k: 'accepted' | 'segments') => [...firstCopy.values()].reduce((n, c) => n + (c[k] ?? 0), 0);
    expect({ accepted: sum('accepted'), segments: sum('segments') }).toEqual({ accepted: 6, segments: 5 });
  });

  it.skipIf(!process.env.REDIS_URL)('on the real Redis: keys deleted under a running detector', async () => {
    const url = process.env.REDIS_URL as string;
    const prefix = `hg:test-state-loss-${randomUUID()}:`;
    const admin = new Redis(url);
    const store = createRedisStateStore({ url, keyPrefix: prefix });
    const p = pipeline(store);
    const detector = await p.detector;
    try {
      await p.send([start, hb(1), hb(2)]);
      await waitFor(async () => (await p.committed()) === '3');
      await deleteKeysUnder(admin, prefix);
      await p.send([hb(3), hb(4)]);
      await waitFor(async () => (await p.committed()) === '5', 5000);
    } finally {
      await detector.stop();
      await store.close();
      await deleteKeysUnder(admin, prefix);
      await admin.quit();
    }
    expect(await p.segments()).toEqual({ verifiedMs: 120_000, twoContents: [] });
  });
});
