import { generateTraffic } from '@hourglass/cli';
import { createDayOf } from '@hourglass/events';
import type { OutgoingRecord } from '@hourglass/log';
import { createPolicyFor, runSequence } from '@hourglass/rules';
import { createEmbeddedWarehouse, type HoursQuery } from '@hourglass/warehouse';
import { describe, expect, it } from 'vitest';
import { aggregatorRun } from '../support/aggregator-run';
import { cleanupsAfterAll } from '../support/cleanups';
import { serviceCtl } from '../support/infra';
import { eventually } from '../support/servers';

/**
 * The aggregator SIGKILLed repeatedly while it writes (so some batches are inserted but never
 * committed and come again), and ClickHouse stopped for a while under load: the totals in ClickHouse
 * afterwards equal those of the same rows written once into the reference (embedded) warehouse.
 */
describe('aggregator crash safety on real Kafka and ClickHouse', () => {
  const cleanups = cleanupsAfterAll(() => serviceCtl('start', 'clickhouse'));

  it('kills after inserts and a ClickHouse outage change no total', async () => {
    // Small writes, so the kills below land between writes and commits instead of after the one
    // write that the default 50k rows would make of this backlog.
    const { topics, log, warehouse, aggregator, prefix } = await aggregatorRun({
      name: 'fault-agg',
      cleanups,
      sessionTimeoutMs: 6000,
      batchRows: 300,
    });

    const traffic = generateTraffic({
      platforms: 3,
      platformIds: ['cvto', 'skillup', 'gongjiang'],
      learners: 400,
      minutes: 120,
      cheaters: 0.3,
      seed: 9,
      startMs: Date.now() - 4 * 3_600_000,
      idPrefix: prefix.replaceAll('.', ''),
    });
    const out = runSequence(traffic.events, createPolicyFor()).out;
    const records: OutgoingRecord[] = [];
    for (const o of out) {
      for (const s of o.segments)
        records.push({ topic: topics.segments, key: s.learnerId, value: JSON.stringify(s) });
      for (const f of o.flags) records.push({ topic: topics.flags, key: f.flagId, value: JSON.stringify(f) });
      for (const s of o.sessions) {
        records.push({
          topic: topics.sessions,
          key: `${s.platformId}/${s.sessionId}`,
          value: JSON.stringify(s),
        });
      }
      for (const c of o.certificates) {
        records.push({ topic: topics.certificates, key: c.learnerId, value: JSON.stringify(c) });
      }
    }
    const reference = createEmbeddedWarehouse({ timeZone: 'Asia/Shanghai' });
    await reference.insertSegments(out.flatMap((o) => o.segments));
    await reference.upsertFlags(out.flatMap((o) => o.flags));
    await reference.upsertSessions(out.flatMap((o) => o.sessions));
    await reference.insertCertificates(out.flatMap((o) => o.certificates));

    const producer = log.producer();
    cleanups.push(() => producer.disconnect());
    const send = async (list: OutgoingRecord[]) => {
      for (let i = 0; i < list.length; i += 2000) await producer.send(list.slice(i, i + 2000));
    };
    // Most rows before the kills; the rest arrive while ClickHouse is down.
    const split = Math.floor(records.length * 0.7);
    await send(records.slice(0, split));
    expect(records.length).toBeGreaterThan(5000);

    const lag = async () => {
      let n = 0;
      for (const t of [topics.segments, topics.flags, topics.sessions, topics.certificates]) {
        const [ends, done] = await Promise.all([
          log.admin().endOffsets(t),
          log.admin().committedOffsets(`${prefix}aggregator`, t),
        ]);
        const at = new Map(done.map((d) => [d.partition, Number(d.offset ?? 0)]));
        for (const e of ends) n += Number(e.offset) - (at.get(e.partition) ?? 0);
      }
      return n;
    };
    // Each kill comes as soon as the aggregator has committed some of the backlog, not all of it.
    for (let kill = 0; kill < 2; kill++) {
      const before = await lag();
      await aggregator.start();
      for (const until = Date.now() + 30_000; (await lag()) >= before && Date.now() < until; ) {
        await new Promise((r) => setTimeout(r, 5));
      }
      await aggregator.kill();
    }
    // The kills hit work in progress: records were still waiting.
    expect(await lag()).toBeGreaterThan(0);
    await aggregator.start();
    serviceCtl('stop', 'clickhouse');
    await send(records.slice(split));
    await new Promise((r) => setTimeout(r, 3000));
    expect(await lag()).toBeGreaterThan(0); // nothing is committed while the warehouse is down
    serviceCtl('start', 'clickhouse');
    await eventually(lag, (n) => n === 0, { timeoutMs: 180_000, what: 'the aggregator to catch up' });
    await aggregator.stop();

    const dayOf = createDayOf('Asia/Shanghai');
    const range = { fromDay: dayOf(traffic.startMs - 86_400_000), toDay: dayOf(traffic.endMs + 86_400_000) };
    const queries: HoursQuery[] = [
      { ...range, groupBy: [], filters: {} },
      { ...range, groupBy: ['day', 'platform'], filters: {} },
      { ...range, groupBy: ['region', 'occupation'], filters: {} },
      { ...range, groupBy: ['learner'], filters: {} },
    ];
    for (const q of queries)
      expect(await warehouse.queryHours(q), q.groupBy.join()).toEqual(await reference.queryHours(q));
    expect(await warehouse.counts()).toEqual(await reference.counts());
    expect(await warehouse.reconcile()).toEqual({
      duplicateSegmentIds: 0,
      mismatchedLearners: [],
      segmentsByPlatform: [],
    });
    const flags = await warehouse.listFlags({ scope: '*', limit: 1000 });
    expect(flags).toEqual(await reference.listFlags({ scope: '*', limit: 1000 }));
  }, 400_000);
});
