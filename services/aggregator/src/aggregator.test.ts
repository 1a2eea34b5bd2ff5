import { topicNames } from '@hourglass/events';
import { createEmbeddedLog } from '@hourglass/log';
import { createEmbeddedWarehouse, invalidRows } from '@hourglass/warehouse';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createAggregator } from './aggregator';

const topics = topicNames('agg-test.');

function segment(i: number, overrides: Record<string, unknown> = {}) {
  const startMs = Date.UTC(2026, 2, 1, 2, 0, 0) + i * 30_000;
  return {
    segmentId: `seg-${i}`,
    learnerId: 'L1',
    platformId: 'cvto',
    sessionId: 'S1',
    courseId: 'c1',
    deviceId: 'D1',
    occupation: '4-03-02-02',
    region: '610113',
    learnerGroup: 'migrant_worker',
    startMs,
    endMs: startMs + 30_000,
    status: 'verified',
    kinds: [],
    flagIds: [],
    eventId: `e-${i}`,
    ...overrides,
  };
}

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('aggregator over the embedded log and warehouse', () => {
  it('skips a record that is not a message and a row the warehouse refuses, and writes the rest of their batch and the batches after', async () => {
    const log = createEmbeddedLog({ partitions: 1 });
    await log.admin().ensureTopics(Object.values(topics).map((name) => ({ name, partitions: 1 })));
    const warehouse = createEmbeddedWarehouse({ timeZone: 'Asia/Shanghai' });
    const registry = new Registry();
    const errors: { msg: string | undefined; obj: object }[] = [];
    const received: number[] = [];
    const aggregator = createAggregator({
      log,
      warehouse,
      topics,
      groupId: 'agg-test',
      registry,
      logger: { info() {}, warn() {}, error: (obj, msg) => errors.push({ obj, msg }) },
      groupLingerMs: 1,
      onBatchReceived: (b) => received.push(b.records),
    });
    const producer = log.producer();
    const send = (values: string[]) =>
      producer.send(values.map((value) => ({ topic: topics.segments, key: 'L1', value })));
    await send([
      JSON.stringify(segment(1)),
      JSON.stringify(segment(2, { status: 'approved' })),
      '{"not json',
      '42',
      JSON.stringify(segment(3)),
    ]);
    await aggregator.start();
    await waitFor(() => aggregator.status().written === 2);
    await send([JSON.stringify(segment(4)), JSON.stringify(segment(5, { learnerId: "L1' OR 1=1" }))]);
    await waitFor(() => aggregator.status().written === 3);
    await aggregator.stop();

    expect((await warehouse.counts()).segments).toBe(3);
    // Every consumed record was handed over in some batch, the malformed ones included.
    expect(received.reduce((a, b) => a + b, 0)).toBe(7);
    const value = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values;
    expect(await value('hourglass_aggregator_invalid_rows_total')).toEqual([
      { labels: { table: 'segments' }, value: 2 },
    ]);
    expect((await value('hourglass_aggregator_malformed_records_total'))?.[0]?.value).toBe(2);
    // Logged by id and the field refused, never the row or the field's value (it may be free text).
    expect(errors.filter((e) => e.msg === 'row refused by the warehouse skipped').map((e) => e.obj)).toEqual([
      { table: 'segments', id: 'segmentId=seg-2', field: 'segment.status' },
      { table: 'segments', id: 'segmentId=seg-5', field: 'segment.learnerId' },
    ]);
    await warehouse.close();
    await log.close();
  });

  it('retries a write the warehouse fails, and commits nothing past it until it succeeds', async () => {
    const log = createEmbeddedLog({ partitions: 1 });
    await log.admin().ensureTopics(Object.values(topics).map((name) => ({ name, partitions: 1 })));
    const inner = createEmbeddedWarehouse({ timeZone: 'Asia/Shanghai' });
    let failures = 2;
    const warehouse = {
      ...inner,
      async insertSegments(batch: Parameters<typeof inner.insertSegments>[0]) {
        if (failures > 0) {
          failures--;
          throw new Error('warehouse unavailable');
        }
        return inner.insertSegments(batch);
      },
    };
    const aggregator = createAggregator({
      log,
      warehouse,
      topics,
      groupId: 'agg-test-retry',
      registry: new Registry(),
      logger: { info() {}, warn() {}, error() {} },
      groupLingerMs: 1,
    });
    await log
      .producer()
      .send([1, 2].map((i) => ({ topic: topics.segments, key: 'L1', value: JSON.stringify(segment(i)) })));
    await aggregator.start();
    await waitFor(() => aggregator.status().written === 2, 15_000);
    await aggregator.stop();
    expect(failures).toBe(0);
    expect((await inner.counts()).segments).toBe(2);
    await inner.close();
    await log.close();
  }, 30_000);

  it('a record skipped in a write that failed and was retried is counted and logged once', async () => {
    const log = createEmbeddedLog({ partitions: 1 });
    await log.admin().ensureTopics(Object.values(topics).map((name) => ({ name, partitions: 1 })));
    const inner = createEmbeddedWarehouse({ timeZone: 'Asia/Shanghai' });
    let calls = 0;
    const warehouse = {
      ...inner,
      // 1st call: refused as invalid (seg-2); 2nd, the valid rest: the warehouse is down; then up again.
      async insertSegments(batch: Parameters<typeof inner.insertSegments>[0]) {
        if (++calls === 2) throw new Error('warehouse unavailable');
        return inner.insertSegments(batch);
      },
    };
    const registry = new Registry();
    const errors: { msg: string | undefined; obj: object }[] = [];
    const aggregator = createAggregator({
      log,
      warehouse,
      topics,
      groupId: 'agg-test-retry-skip',
      registry,
      logger: { info() {}, warn() {}, error: (obj, msg) => errors.push({ obj, msg }) },
      groupLingerMs: 1,
    });
    await log
      .producer()
      .send(
        [JSON.stringify(segment(1)), JSON.stringify(segment(2, { status: 'approved' })), '{"not json'].map(
          (value) => ({ topic: topics.segments, key: 'L1', value }),
        ),
      );
    await aggregator.start();
    await waitFor(() => aggregator.status().written === 1, 15_000);
    await aggregator.stop();
    expect(calls).toBe(4);
    const value = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values;
    expect(await value('hourglass_aggregator_invalid_rows_total')).toEqual([
      { labels: { table: 'segments' }, value: 1 },
    ]);
    expect((await value('hourglass_aggregator_malformed_records_total'))?.[0]?.value).toBe(1);
    expect(errors.map((e) => e.msg).sort()).toEqual([
      'malformed record skipped',
      'row refused by the warehouse skipped',
    ]);
    await inner.close();
    await log.close();
  }, 30_000);

  it('property: whatever the records hold, the aggregator stores exactly the rows the warehouse accepts and skips the rest, never stalling', async () => {
    const odd = fc.oneof(
      fc.constantFrom(null, 42, -1, 1e300, '', 'x\ty', "a'b", {}, [], true, 'x'.repeat(300)),
      fc.string(),
    );
    const field = fc.constantFrom(...Object.keys(segment(0)));
    const record = fc.oneof(
      { weight: 3, arbitrary: fc.constant<null>(null) },
      { weight: 3, arbitrary: fc.tuple(field, odd) },
      { weight: 1, arbitrary: fc.oneof(fc.string(), fc.json()) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 30 }), async (shapes) => {
        const values = shapes.map((shape, i) => {
          if (shape === null) return JSON.stringify(segment(i));
          if (typeof shape === 'string') return shape;
          const [key, value] = shape;
          return JSON.stringify({ ...segment(i), [key]: value });
        });
        const parsed = values.map((v) => {
          try {
            return JSON.parse(v) as unknown;
          } catch {
            return undefined;
          }
        });
        const accepted = parsed.filter(
          (v) => typeof v === 'object' && v !== null && invalidRows('segments', [v]).length === 0,
        ) as { segmentId: string }[];
        const log = createEmbeddedLog({ partitions: 1 });
        await log.admin().ensureTopics(Object.values(topics).map((name) => ({ name, partitions: 1 })));
        const warehouse = createEmbeddedWarehouse({ timeZone: 'Asia/Shanghai' });
        const registry = new Registry();
        const aggregator = createAggregator({
          log,
          warehouse,
          topics,
          groupId: 'agg-prop',
          registry,
          logger: { info() {}, warn() {}, error() {} },
          groupLingerMs: 1,
        });
        await log.producer().send(values.map((value) => ({ topic: topics.segments, key: 'L1', value })));
        await aggregator.start();
        const skipped = async () =>
          ((await registry.getSingleMetric('hourglass_aggregator_invalid_rows_total')?.get())?.values ?? [])
            .concat(
              (await registry.getSingleMetric('hourglass_aggregator_malformed_records_total')?.get())
                ?.values ?? [],
            )
            .reduce((n, v) => n + v.value, 0);
        const until = Date.now() + 5000;
        while (aggregator.status().written + (await skipped()) < values.length && Date.now() < until) {
          await new Promise((r) => setTimeout(r, 5));
        }
        await aggregator.stop();
        expect(aggregator.status().written).toBe(accepted.length);
        expect(await skipped()).toBe(values.length - accepted.length);
        expect((await warehouse.counts()).segments).toBe(new Set(accepted.map((s) => s.segmentId)).size);
        await warehouse.close();
        await log.close();
      }),
      { numRuns: 100 },
    );
  }, 120_000);
});
