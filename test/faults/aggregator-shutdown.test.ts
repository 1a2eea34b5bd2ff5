import { createPolicyFor, runSequence } from '@hourglass/rules';
import { describe, expect, it } from 'vitest';
import { aggregatorRun } from '../support/aggregator-run';
import { cleanupsAfterAll } from '../support/cleanups';
import { groupMembers } from '../support/groups';
import { trafficFor } from '../support/pipeline';
import { eventually } from '../support/servers';
import { readTopic } from '../support/topics';

/**
 * SIGTERM to a busy `hourglass aggregator` process: it finishes the write in flight, commits it, leaves
 * the group and exits 0. Right after it exited the group has no member left, and every segment below
 * the committed offsets is in ClickHouse (a commit never runs ahead of its write); a restart then
 * stores every segment exactly once.
 */
describe('aggregator graceful shutdown on real Kafka and ClickHouse', () => {
  const cleanups = cleanupsAfterAll();

  it('on SIGTERM mid-run it finishes and commits its write, leaves the group and exits 0', async () => {
    // A long session on purpose: a member that did not leave would still be listed after it exited.
    // Many small writes, so that SIGTERM arrives between them.
    const { servers, topics, database, log, warehouse, aggregator, group, prefix } = await aggregatorRun({
      name: 'fault-agg-term',
      cleanups,
      sessionTimeoutMs: 30_000,
      batchRows: 200,
    });
    const { events } = trafficFor(prefix, { learners: 300, cheaters: 0.2, seed: 47 });
    const segments = runSequence(events, createPolicyFor()).out.flatMap((o) => o.segments);
    const producer = log.producer();
    cleanups.push(() => producer.disconnect());
    for (let i = 0; i < segments.length; i += 2000) {
      await producer.send(
        segments
          .slice(i, i + 2000)
          .map((s) => ({ topic: topics.segments, key: s.learnerId, value: JSON.stringify(s) })),
      );
    }
    expect(segments.length).toBeGreaterThan(3000);

    const committedOffsets = async () =>
      new Map(
        (await log.admin().committedOffsets(group, topics.segments)).map((c) => [
          c.partition,
          Number(c.offset ?? 0),
        ]),
      );
    const committed = async () => [...(await committedOffsets()).values()].reduce((a, b) => a + b, 0);

    await aggregator.start();
    await eventually(committed, (n) => n >= segments.length * 0.2, {
      timeoutMs: 120_000,
      what: 'progress',
      intervalMs: 20,
    });
    const stopped = Date.now();
    expect(await aggregator.stop()).toEqual({ code: 0, signal: null });
    expect(Date.now() - stopped).toBeLessThan(15_000);

    expect(await groupMembers(servers.kafkaBrokers, group)).toEqual([]);

    const at = await committedOffsets();
    const done = [...at.values()].reduce((a, b) => a + b, 0);
    expect(done).toBeLessThan(segments.length); // it was stopped mid-run
    const records = await readTopic(log, topics.segments, `${prefix}check`);
    const committedIds = records
      .filter((r) => Number(r.offset) < (at.get(r.partition) ?? 0))
      .map((r) => (JSON.parse(r.value) as { segmentId: string }).segmentId);
    expect(committedIds.length).toBe(done);
    const stored = new Set(
      (
        await fetch(`${servers.clickhouseUrl}/`, {
          method: 'POST',
          body: `SELECT segmentId FROM ${database}.segments FORMAT TabSeparated`,
        }).then((r) => r.text())
      )
        .split('\n')
        .filter((line) => line !== ''),
    );
    expect(committedIds.filter((id) => !stored.has(id))).toEqual([]);

    await aggregator.start();
    await eventually(committed, (n) => n === segments.length, {
      timeoutMs: 120_000,
      what: 'the aggregator to finish',
    });
    await aggregator.stop();
    expect((await warehouse.reconcile()).duplicateSegmentIds).toBe(0);
    expect((await warehouse.counts()).segments).toBe(new Set(segments.map((s) => s.segmentId)).size);
  }, 300_000);
});
