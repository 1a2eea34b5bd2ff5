import type { AcceptedEvent, Segment } from '@hourglass/events';
import { createMemoryStateStore, type StateStore } from '@hourglass/state';
import { describe, expect, it } from 'vitest';
import { collect, embeddedLog, hb, runDetector, start, topics, waitFor } from './testing/harness';

describe('the state store goes back in time past a claim (README: an AOF missing its last second is refused as lost)', () => {
  it('a restart from an AOF missing the last claim and commit: the detector claims again and goes on', async () => {
    const clock = { now: () => 1_000 };
    const primary = createMemoryStateStore(clock);
    const snapshot = createMemoryStateStore(clock); // what the AOF holds
    let current = primary;
    let mirroring = true;
    const store: StateStore = {
      kind: 'memory',
      async claimPartition(p) {
        if (mirroring) await snapshot.claimPartition(p);
        return current.claimPartition(p);
      },
      loadLearners: (ids) => current.loadLearners(ids),
      loadDevices: (ids) => current.loadDevices(ids),
      async commit(req) {
        if (mirroring) await snapshot.commit(req);
        return current.commit(req);
      },
      clearOutbox: (p, e, w) => current.clearOutbox(p, e, w),
      ping: () => current.ping(),
      close: () => current.close(),
      stats: () => current.stats(),
    };
    const log = embeddedLog(1);
    const producer = log.producer();
    const send = (list: AcceptedEvent[]) =>
      producer.send(list.map((e) => ({ topic: topics.events, key: e.learnerId, value: JSON.stringify(e) })));
    const committed = async () => (await log.admin().committedOffsets('detector', topics.events))[0]?.offset;

    const d1 = await runDetector(log, store);
    await send([start, hb(1), hb(2)]);
    await waitFor(async () => (await committed()) === '3');
    await d1.stop();
    mirroring = false; // the AOF's last fsync
    // The detector is restarted (a deploy): its claim bumps the epoch, then it commits hb 3.
    const d2 = await runDetector(log, store);
    await send([hb(3)]);
    await waitFor(async () => (await committed()) === '4');
    current = snapshot; // Redis restarted from the AOF: hb 3's commit and d2's claim are gone
    await send([hb(4)]);
    try {
      await waitFor(async () => (await committed()) === '5', 5000);
    } finally {
      await d2.stop();
    }
    const ends = await log.admin().endOffsets(topics.segments);
    const produced = await collect(log, topics.segments, 'check', Number(ends[0]!.offset));
    const first = new Map<string, Segment>();
    for (const v of produced) {
      const s = JSON.parse(v) as Segment;
      if (!first.has(s.segmentId)) first.set(s.segmentId, s);
    }
    expect([...first.values()].reduce((n, s) => n + s.endMs - s.startMs, 0)).toBe(120_000);
  });
});

describe('the same on the real Redis', () => {
  it('Redis restored to a snapshot taken before the detector restarted: the detector claims again and goes on', async () => {
    const { randomUUID } = await import('node:crypto');
    const { Redis } = await import('ioredis');
    const { createRedisStateStore, deleteKeysUnder } = await import('@hourglass/state');
    const url = process.env.REDIS_URL;
    if (!url) throw new Error('REDIS_URL is not set');
    const prefix = `hg:test-rv-chaos-${randomUUID()}:`;
    const admin = new Redis(url);
    const store = createRedisStateStore({ url, keyPrefix: prefix });
    const log = embeddedLog(1);
    const producer = log.producer();
    const send = (list: AcceptedEvent[]) =>
      producer.send(list.map((e) => ({ topic: topics.events, key: e.learnerId, value: JSON.stringify(e) })));
    const committed = async () => (await log.admin().committedOffsets('detector', topics.events))[0]?.offset;
    const keys = async () => (await admin.keys(`${prefix}*`)).sort();
    let d2: Awaited<ReturnType<typeof runDetector>> | undefined;
    try {
      const d1 = await runDetector(log, store);
      await send([start, hb(1), hb(2)]);
      await waitFor(async () => (await committed()) === '3');
      await d1.stop();
      // The AOF's last fsync: every key as it is now.
      const snapshot = new Map<string, { dump: Buffer; pttl: number }>();
      for (const k of await keys()) {
        snapshot.set(k, { dump: (await admin.dumpBuffer(k)) as Buffer, pttl: await admin.pttl(k) });
      }
      d2 = await runDetector(log, store);
      await send([hb(3)]);
      await waitFor(async () => (await committed()) === '4');
      // Redis restarted from that AOF: d2's claim and hb 3's commit are gone.
      await deleteKeysUnder(admin, prefix);
      for (const [k, { dump, pttl }] of snapshot) await admin.restore(k, Math.max(pttl, 0), dump);
      await send([hb(4)]);
      await waitFor(async () => (await committed()) === '5', 5000);
      // Credited once: the rebuild re-emits hb 3's segment under its own id (review 'test-quality': this
      // case used to check only that the detector went on).
      const ends = await log.admin().endOffsets(topics.segments);
      const produced = await collect(log, topics.segments, 'check', Number(ends[0]!.offset));
      const first = new Map<string, Segment>();
      for (const v of produced) {
        const seg = JSON.parse(v) as Segment;
        if (!first.has(seg.segmentId)) first.set(seg.segmentId, seg);
      }
      expect([...first.values()].reduce((n, seg) => n + seg.endMs - seg.startMs, 0)).toBe(120_000);
    } finally {
      await d2?.stop();
      await store.close();
      await deleteKeysUnder(admin, prefix);
      await admin.quit();
    }
  });
});
