/**
 * Crash safety as a property (found the lost-claim and re-count cases, README "Delivery and effects"):
 * generated traffic runs through the detector and the aggregator in-process (embedded log, memory state
 * store, embedded warehouse) while faults are injected at numbered calls: state commits refused, their
 * replies lost, the process killed before or after them, the store wiped or rolled back by its last
 * commit; produces failing before, half-way or after the send, or killing the process; claims and loads
 * failing; batches delivered twice; detectors joining and leaving the group; warehouse writes failing or
 * applied and then failing; the aggregator killed. "Killed" = every later call of that process fails
 * and it never commits again, as after SIGKILL; a new process takes over. Every faulty run must equal
 * the uninterrupted run, which must equal the pure engine (runSequence).
 *
 *   CHAOS_SEED=<n> CHAOS_RUNS=<n> CHAOS_FAULTS=<n> [CHAOS_PATH=<p>] pnpm exec vitest run --project main test/e2e/chaos.test.ts
 */
import { createAggregator } from '@hourglass/aggregator';
import { createDetector, type Detector } from '@hourglass/detector';
import {
  type AcceptedEvent,
  countSupersedes,
  createDayOf,
  type EventCountRecord,
  type FlagUpdate,
  type Segment,
  type SessionRecord,
  topicNames,
} from '@hourglass/events';
import { createEmbeddedLog, type Log, LogError, type LogProducer } from '@hourglass/log';
import { runSequence } from '@hourglass/rules';
import { eventsOf, PROPERTY_POLICY, scenarioArb } from '@hourglass/rules/testing';
import { createMemoryStateStore, StateError, type StateStore } from '@hourglass/state';
import { createEmbeddedWarehouse, type Warehouse, WarehouseError } from '@hourglass/warehouse';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

const quiet = { info() {}, warn() {}, error() {} };
const dayOf = createDayOf('Asia/Shanghai');

type Fault =
  | {
      op: 'commit';
      nth: number;
      kind: 'refuse' | 'lostReply' | 'killBefore' | 'killAfter' | 'wipe' | 'rollback';
    }
  | {
      op: 'produce';
      nth: number;
      kind:
        | 'fail'
        | 'partial'
        | 'after'
        | 'killBefore'
        | 'killPartial'
        | 'killAfter'
        | 'rollback'
        | 'hostCrash';
    }
  | { op: 'claim'; nth: number; kind: 'fail' | 'killAfter' | 'wipe' | 'rollback' }
  | { op: 'load'; nth: number; kind: 'fail' | 'kill' }
  | { op: 'batch'; nth: number; kind: 'redeliver' | 'join' | 'leave' }
  | { op: 'warehouse'; nth: number; kind: 'fail' | 'applyThenFail' | 'kill' }
  | { op: 'aggBatch'; nth: number; kind: 'redeliver' };

interface Schedule {
  partitions: number;
  maxBatchSize: number;
  faults: Fault[];
}

/** Makes every device id the learner's own, so cross-partition processing order cannot matter (SPEC §4). */
function ownDevices(events: AcceptedEvent[]): AcceptedEvent[] {
  return events.map((e) =>
    e.type === 'session.start' ? { ...e, deviceId: `${e.learnerId}.${e.deviceId}` } : e,
  );
}

async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A Log whose consumers retry fast, and whose batches may be delivered twice (at-least-once). */
function fastLog(inner: Log, onBatchHook: (group: string) => 'redeliver' | null): Log {
  return {
    ...inner,
    producer: (o) => inner.producer(o),
    admin: () => inner.admin(),
    close: () => inner.close(),
    consumer(opts) {
      const c = inner.consumer({ ...opts, retryInitialMs: 2, retryMaxMs: 10 });
      // Both adapters stop delivering a partition's old positions once it is seeked (kafkajs: isStale).
      const seeked = new Set<string>();
      return {
        ...c,
        seek: (t, p, o) => {
          seeked.add(`${t}/${p}`);
          c.seek(t, p, o);
        },
        stop: () => c.stop(),
        start: (s) =>
          c.start({
            ...s,
            onBatch: async (batch, ctx) => {
              const hook = onBatchHook(opts.groupId);
              const key = `${batch.topic}/${batch.partition}`;
              seeked.delete(key);
              await s.onBatch(batch, ctx);
              if (hook === 'redeliver' && !seeked.has(key)) await s.onBatch(batch, ctx);
            },
          }),
      };
    },
  };
}

/** Faults scheduled and faults that fired, over the whole property run: a fault whose nth call never comes tests nothing. */
const faultTally = { scheduled: 0, fired: 0 };

async function runChaos(events: AcceptedEvent[], schedule: Schedule) {
  const topics = topicNames('c.');
  const failures: string[] = [];
  const raw = createEmbeddedLog({
    partitions: schedule.partitions,
    logger: {
      debug() {},
      info() {},
      error() {},
      warn: (o: { err?: unknown; groupId?: string; partition?: number }) => {
        failures.push(
          `${o.groupId}/${o.partition}: ${o.err instanceof Error ? `${(o.err as { code?: string }).code} ${o.err.message}` : String(o.err)}`,
        );
      },
    },
  });
  await raw
    .admin()
    .ensureTopics(Object.values(topics).map((name) => ({ name, partitions: schedule.partitions })));
  await raw
    .producer()
    .send(events.map((e) => ({ topic: topics.events, key: e.learnerId, value: JSON.stringify(e) })));

  const counters = new Map<string, number>();
  const pendingFaults = [...schedule.faults];
  const hit = (op: Fault['op']): string | null => {
    const n = (counters.get(op) ?? 0) + 1;
    counters.set(op, n);
    const i = pendingFaults.findIndex((f) => f.op === op && f.nth === n);
    if (i < 0) return null;
    const [f] = pendingFaults.splice(i, 1);
    return f!.kind;
  };
  const background: Promise<unknown>[] = [];
  const errors: unknown[] = [];
  const later = (fn: () => Promise<unknown>) => {
    background.push(new Promise((r) => setImmediate(r)).then(fn).catch((e) => errors.push(e)));
  };

  // ---- state store: one memory store, replaceable: a restart without persistence (wipe), or from an
  // AOF missing its last writes (rollback: the history of writes replayed without the last commit).
  let clock: number | null = null;
  const freshStore = () => createMemoryStateStore({ now: () => clock ?? Date.now() });
  let store = freshStore();
  type Op =
    | { kind: 'claim'; p: string; t: number }
    | { kind: 'commit'; req: Parameters<StateStore['commit']>[0]; t: number };
  let history: Op[] = [];
  const record = (op: Op) => history.push(op);
  async function rollbackLastCommit() {
    let i = history.length - 1;
    while (i >= 0 && history[i]!.kind !== 'commit') i--;
    if (i < 0) return;
    history = history.slice(0, i);
    const s = freshStore();
    for (const op of history) {
      clock = op.t;
      if (op.kind === 'claim') await s.claimPartition(op.p);
      else await s.commit(op.req);
    }
    clock = null;
    store = s;
  }
  function wipe() {
    store = freshStore();
    history = [];
  }

  // ---- detector instances
  interface Inst {
    id: number;
    dead: boolean;
    detector: Detector | null;
  }
  const live = new Set<Inst>();
  let nextId = 1;
  const unavailable = () => new StateError('unavailable', 'injected');
  const logUnavailable = () => new LogError('unavailable', 'injected');

  function storeFor(inst: Inst): StateStore {
    const guard = () => {
      if (inst.dead) throw unavailable();
    };
    return {
      kind: 'memory',
      async claimPartition(p) {
        guard();
        const k = hit('claim');
        if (k === 'fail') throw unavailable();
        if (k === 'wipe') wipe();
        if (k === 'rollback') await rollbackLastCommit();
        const t = Date.now();
        clock = t;
        const c = await store.claimPartition(p);
        clock = null;
        record({ kind: 'claim', p, t });
        if (k === 'killAfter') {
          kill(inst);
          throw unavailable();
        }
        return c;
      },
      async loadLearners(ids) {
        guard();
        const k = hit('load');
        if (k === 'fail') throw unavailable();
        if (k === 'kill') {
          kill(inst);
          throw unavailable();
        }
        return store.loadLearners(ids);
      },
      async loadDevices(ids) {
        guard();
        return store.loadDevices(ids);
      },
      async commit(req) {
        guard();
        const k = hit('commit');
        if (k === 'refuse') throw unavailable();
        if (k === 'killBefore') {
          kill(inst);
          throw unavailable();
        }
        if (k === 'wipe') wipe();
        const t = Date.now();
        clock = t;
        const out = await store.commit(req);
        clock = null;
        if (out === 'ok') record({ kind: 'commit', req, t });
        if (k === 'rollback') await rollbackLastCommit();
        if (k === 'lostReply') throw unavailable();
        if (k === 'killAfter') {
          kill(inst);
          throw unavailable();
        }
        return out;
      },
      clearOutbox: (p, e, w) => {
        guard();
        return store.clearOutbox(p, e, w);
      },
      ping: async () => guard(),
      close: async () => {},
      stats: () => store.stats(),
    };
  }

  function logFor(inst: Inst): Log {
    return {
      ...detectorLog,
      consumer: (o) => detectorLog.consumer(o),
      producer(o): LogProducer {
        const p = raw.producer(o);
        return {
          connect: () => p.connect(),
          disconnect: () => p.disconnect(),
          isConnected: () => p.isConnected(),
          async send(records) {
            if (inst.dead) throw logUnavailable();
            const k = hit('produce');
            if (k === 'fail') throw logUnavailable();
            if (k === 'killBefore') {
              kill(inst);
              throw logUnavailable();
            }
            if (k === 'partial' || k === 'killPartial') {
              await p.send(records.slice(0, Math.floor(records.length / 2)));
              if (k === 'killPartial') kill(inst);
              throw logUnavailable();
            }
            await p.send(records);
            if (k === 'after') throw logUnavailable();
            if (k === 'rollback') await rollbackLastCommit();
            if (k === 'hostCrash') {
              // power loss: the process dies before its offset commit, Redis loses its last commit
              kill(inst);
              await rollbackLastCommit();
              throw logUnavailable();
            }
            if (k === 'killAfter') {
              kill(inst);
              throw logUnavailable();
            }
          },
        };
      },
    };
  }

  async function spawn(): Promise<void> {
    const inst: Inst = { id: nextId++, dead: false, detector: null };
    inst.detector = createDetector({
      log: logFor(inst),
      state: storeFor(inst),
      policyFor: PROPERTY_POLICY,
      dayOf,
      eventsTopic: topics.events,
      topics,
      groupId: 'detector',
      registry: new Registry(),
      logger: quiet,
      // batch boundaries differ between processes, as Kafka fetches do
      maxBatchSize: schedule.maxBatchSize + (inst.id % 3),
    });
    live.add(inst);
    await inst.detector.start();
  }

  /** SIGKILL: every later call of the instance fails, nothing more is committed; a new process starts. */
  function kill(inst: Inst): void {
    if (inst.dead) return;
    inst.dead = true;
    live.delete(inst);
    later(async () => {
      await inst.detector!.stop();
      if (live.size === 0) await spawn();
    });
  }

  // batch-level faults (join / leave) are handled by the hook's return value via a side channel
  const batchHook = (g: string) => {
    if (g !== 'detector') return null;
    const k = hit('batch');
    if (k === 'join' && live.size < 3) later(spawn);
    if (k === 'leave' && live.size > 1) {
      const victim = [...live][0]!;
      live.delete(victim);
      later(() => victim.detector!.stop());
    }
    return k === 'redeliver' ? 'redeliver' : null;
  };
  const detectorLog = fastLog(raw, batchHook);

  // ---- aggregator over a faulty warehouse
  const warehouse = createEmbeddedWarehouse({ timeZone: 'Asia/Shanghai' });
  let aggDead = { dead: false };
  function warehouseFor(flag: { dead: boolean }): Warehouse {
    const wrap =
      <A extends unknown[]>(fn: (...a: A) => Promise<void>) =>
      async (...a: A) => {
        if (flag.dead) throw new WarehouseError('unavailable', 'injected');
        const k = hit('warehouse');
        if (k === 'fail') throw new WarehouseError('unavailable', 'injected');
        if (k === 'kill') {
          killAggregator(flag);
          throw new WarehouseError('unavailable', 'injected');
        }
        await fn(...a);
        if (k === 'applyThenFail') throw new WarehouseError('unavailable', 'injected');
      };
    return {
      ...warehouse,
      insertSegments: wrap((r) => warehouse.insertSegments(r)),
      upsertFlags: wrap((r) => warehouse.upsertFlags(r)),
      upsertSessions: wrap((r) => warehouse.upsertSessions(r)),
      insertCertificates: wrap((r) => warehouse.insertCertificates(r)),
      insertDecisions: wrap((r) => warehouse.insertDecisions(r)),
      insertRejected: wrap((r) => warehouse.insertRejected(r)),
      insertEventCounts: wrap((r) => warehouse.insertEventCounts(r)),
    };
  }
  const aggLog = fastLog(raw, (g) => (g === 'aggregator' ? (hit('aggBatch') as 'redeliver' | null) : null));
  let aggregator = null as ReturnType<typeof createAggregator> | null;
  async function spawnAggregator() {
    aggDead = { dead: false };
    aggregator = createAggregator({
      log: aggLog,
      warehouse: warehouseFor(aggDead),
      topics,
      groupId: 'aggregator',
      registry: new Registry(),
      logger: quiet,
      groupLingerMs: 1,
      maxBatchSize: schedule.maxBatchSize * 3,
    });
    await aggregator.start();
  }
  function killAggregator(flag: { dead: boolean }) {
    if (flag.dead) return;
    flag.dead = true;
    const a = aggregator!;
    later(async () => {
      await a.stop();
      await spawnAggregator();
    });
  }

  await spawnAggregator();
  await spawn();

  const caughtUp = async (group: string, topicList: string[]) => {
    for (const t of topicList) {
      const ends = await raw.admin().endOffsets(t);
      const committed = await raw.admin().committedOffsets(group, t);
      for (const e of ends) {
        const c = committed.find((x) => x.partition === e.partition)?.offset ?? '0';
        if (BigInt(c ?? '0') < BigInt(e.offset)) return false;
      }
    }
    return true;
  };
  const outTopics = [topics.segments, topics.flags, topics.sessions, topics.certificates, topics.counts];
  const settled = async () => {
    const n = background.length;
    await Promise.all(background);
    return (
      background.length === n &&
      live.size > 0 &&
      (await caughtUp('detector', [topics.events])) &&
      (await caughtUp('aggregator', outTopics))
    );
  };
  try {
    try {
      await until(settled, Number(process.env.CHAOS_SETTLE_MS ?? 8000), 'the pipeline to settle');
    } catch (e) {
      const ends = await raw.admin().endOffsets(topics.events);
      const committed = await raw.admin().committedOffsets('detector', topics.events);
      console.log(
        'STUCK',
        JSON.stringify({
          ends,
          committed,
          live: live.size,
          schedule,
          last: [...new Set(failures.slice(-50))],
        }),
      );
      throw e;
    }
    // a second look: nothing moved meanwhile
    await new Promise((r) => setTimeout(r, 20));
    await until(settled, 5_000, 'the pipeline to settle (again)');
  } finally {
    for (const inst of live) await inst.detector!.stop();
    await aggregator?.stop();
    await Promise.all(background);
  }

  // ---- everything produced, read back raw
  const read = async (topic: string) => {
    const out: string[] = [];
    const ends = await raw.admin().endOffsets(topic);
    const total = ends.reduce((n, e) => n + Number(e.offset), 0);
    if (total === 0) return out;
    const c = raw.consumer({ groupId: `read-${topic}` });
    await new Promise<void>((resolve) => {
      void c.start({
        topics: [topic],
        fromBeginning: true,
        onBatch: async (b) => {
          for (const r of b.records) out.push(r.value);
          if (out.length >= total) resolve();
        },
      });
    });
    await c.stop();
    return out;
  };
  faultTally.scheduled += schedule.faults.length;
  faultTally.fired += schedule.faults.length - pendingFaults.length;
  if (process.env.CHAOS_DEBUG)
    console.log(
      'fired',
      schedule.faults.length - pendingFaults.length,
      'of',
      schedule.faults.length,
      JSON.stringify(Object.fromEntries(counters)),
    );
  return {
    errors,
    warehouse,
    segments: (await read(topics.segments)).map((v) => JSON.parse(v) as Segment),
    flags: (await read(topics.flags)).map((v) => JSON.parse(v) as FlagUpdate),
    sessions: (await read(topics.sessions)).map((v) => JSON.parse(v) as SessionRecord),
    counts: (await read(topics.counts)).map((v) => JSON.parse(v) as EventCountRecord & { segments: number }),
  };
}

type Run = Awaited<ReturnType<typeof runChaos>>;

/** What the warehouse and the topics say, reduced to what must not depend on faults. */
async function summary(run: Run) {
  const bySeg = new Map<string, Set<string>>();
  for (const s of run.segments) {
    const set = bySeg.get(s.segmentId) ?? new Set<string>();
    set.add(JSON.stringify(s));
    bySeg.set(s.segmentId, set);
  }
  const twoContents = [...bySeg].filter(([, v]) => v.size > 1).map(([k]) => k);
  const latest = <T extends { version: number }>(rows: T[], key: (r: T) => string) => {
    const m = new Map<string, T>();
    for (const r of rows) {
      const k = key(r);
      const cur = m.get(k);
      if (!cur || r.version > cur.version) m.set(k, r);
    }
    return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
  };
  const flagVersions = new Map<string, Set<string>>();
  for (const f of run.flags) {
    const k = `${f.flagId}#${f.version}`;
    const set = flagVersions.get(k) ?? new Set<string>();
    set.add(JSON.stringify(f));
    flagVersions.set(k, set);
  }
  if (process.env.CHAOS_DEBUG)
    for (const [k, v] of flagVersions)
      if (v.size > 1) console.log('FLAG TWO CONTENTS', k, [...v].join('\n  '));
  const countIds = new Map<string, EventCountRecord & { segments: number }>();
  for (const c of run.counts) if (countSupersedes(c, countIds.get(c.countId))) countIds.set(c.countId, c);
  const perPlatform: Record<string, { accepted: number; segments: number }> = {};
  for (const c of countIds.values()) {
    const p = perPlatform[c.platformId] ?? { accepted: 0, segments: 0 };
    perPlatform[c.platformId] = p;
    p.accepted += c.accepted;
    p.segments += c.segments;
  }
  const w = run.warehouse;
  const programme = await w.programme();
  return {
    segmentIds: [...bySeg.keys()].sort(),
    segmentsTwoContents: twoContents,
    flagVersionsTwoContents: [...flagVersions].filter(([, v]) => v.size > 1).map(([k]) => k),
    latestFlags: latest(run.flags, (f) => f.flagId),
    latestSessions: latest(run.sessions, (s) => `${s.platformId}/${s.sessionId}`),
    countsPerPlatform: perPlatform,
    hours: await w.queryHours({
      fromDay: '2026-01-01',
      toDay: '2026-12-31',
      groupBy: ['day', 'platform', 'course', 'learner'],
      filters: {},
    }),
    reconcile: await w.reconcile(),
    programme,
    whCounts: await w.counts(),
    whFlags: (await w.listFlags({ scope: '*', limit: 1000 })).flags,
  };
}

function expectedOf(events: AcceptedEvent[]) {
  const out = runSequence(events, PROPERTY_POLICY).out;
  const segs = out.flatMap((o) => o.segments);
  const flags = out.flatMap((o) => o.flags);
  const latestFlag = new Map<string, FlagUpdate>();
  for (const f of flags) {
    const c = latestFlag.get(f.flagId);
    if (!c || f.version > c.version) latestFlag.set(f.flagId, f);
  }
  return {
    segmentIds: segs.map((s) => s.segmentId).sort(),
    segments: segs,
    latestFlags: [...latestFlag.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v),
  };
}

/**
 * The call a fault hits. A run makes ~3-16 calls of each kind, so most faults aim at the first few (a
 * review measured 93 of 255 firing when they were spread up to 30 or 40); a third still aim late.
 */
const nthArb = (max: number) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 6 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max }) },
  );

const faultArb: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({
    op: fc.constant('commit' as const),
    nth: nthArb(30),
    kind: fc.constantFrom('refuse', 'lostReply', 'killBefore', 'killAfter', 'wipe', 'rollback' as const),
  }),
  fc.record({
    op: fc.constant('produce' as const),
    nth: nthArb(30),
    kind: fc.constantFrom(
      'fail',
      'partial',
      'after',
      'killBefore',
      'killPartial',
      'killAfter',
      'rollback',
      'hostCrash' as const,
    ),
  }),
  fc.record({
    op: fc.constant('claim' as const),
    nth: fc.integer({ min: 1, max: 6 }),
    kind: fc.constantFrom('fail', 'killAfter', 'wipe', 'rollback' as const),
  }),
  fc.record({
    op: fc.constant('load' as const),
    nth: nthArb(30),
    kind: fc.constantFrom('fail', 'kill' as const),
  }),
  fc.record({
    op: fc.constant('batch' as const),
    nth: nthArb(30),
    kind: fc.constantFrom('redeliver', 'join', 'leave' as const),
  }),
  fc.record({
    op: fc.constant('warehouse' as const),
    nth: nthArb(40),
    kind: fc.constantFrom('fail', 'applyThenFail', 'kill' as const),
  }),
  fc.record({
    op: fc.constant('aggBatch' as const),
    nth: nthArb(30),
    kind: fc.constant('redeliver' as const),
  }),
);

const scheduleArb: fc.Arbitrary<Schedule> = fc.record({
  partitions: fc.constantFrom(1, 2),
  maxBatchSize: fc.integer({ min: 1, max: 8 }),
  faults: fc.array(faultArb, { maxLength: Number(process.env.CHAOS_FAULTS ?? 8) }),
});

describe('chaos: detector and aggregator under injected faults (at-least-once delivery, exactly-once effects)', () => {
  it('property: the outputs and the warehouse equal an uninterrupted run', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, scheduleArb, async (sc, schedule) => {
        let events = eventsOf(sc);
        if (schedule.partitions > 1) events = ownDevices(events);
        const expected = expectedOf(events);
        const reference = await summary(await runChaos(events, { ...schedule, faults: [] }));
        const chaos = await runChaos(events, schedule);
        expect(chaos.errors).toEqual([]);
        const got = await summary(chaos);
        // the uninterrupted pipeline is the engine's
        expect(reference.segmentIds).toEqual(expected.segmentIds);
        expect(reference.latestFlags).toEqual(expected.latestFlags);
        // the interrupted one is the uninterrupted one
        expect(got.segmentsTwoContents).toEqual([]);
        expect(got.flagVersionsTwoContents).toEqual([]);
        expect(got.segmentIds).toEqual(expected.segmentIds);
        expect(got.latestFlags).toEqual(expected.latestFlags);
        expect(got.latestSessions).toEqual(reference.latestSessions);
        expect(got.hours).toEqual(reference.hours);
        // Event counts too, also when the store went back in time under a process that had produced
        // (counts by log position, services/detector/src/count-stretches.ts). Not when it lost every key:
        // the rebuild counts from where the log resumed, so offsets produced but not yet committed then
        // are counted twice (README "Delivery and effects": the gap left; seeds 1 and 2 reach it).
        if (!schedule.faults.some((f) => f.kind === 'wipe')) {
          expect(got.countsPerPlatform).toEqual(reference.countsPerPlatform);
          expect(got.reconcile).toEqual(reference.reconcile);
          expect(got.programme).toEqual(reference.programme);
        }
        expect(got.whCounts).toEqual(reference.whCounts);
        expect(got.whFlags).toEqual(reference.whFlags);
      }),
      {
        numRuns: Number(process.env.CHAOS_RUNS ?? 60),
        endOnFailure: process.env.CHAOS_SHRINK !== '1',
        // A fixed seed keeps CI deterministic; explore with CHAOS_SEED=<n> CHAOS_RUNS=<n> (README).
        seed: Number(process.env.CHAOS_SEED ?? 20_261_130),
        ...(process.env.CHAOS_PATH ? { path: process.env.CHAOS_PATH } : {}),
      },
    );
    // Most scheduled faults must actually happen, or the property is mostly uninterrupted runs.
    if (!process.env.CHAOS_PATH) {
      console.log(`chaos: ${faultTally.fired} of ${faultTally.scheduled} scheduled faults fired`);
      expect(faultTally.fired).toBeGreaterThan(faultTally.scheduled / 2);
    }
  }, 600_000);
});
