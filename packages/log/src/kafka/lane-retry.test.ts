import { describe, expect, it, vi } from 'vitest';

/**
 * The lane's retry across partition leaders, which the one-broker cluster here cannot show: two brokers,
 * each the leader of one partition, following Kafka's idempotent-producer rules per partition (a batch
 * numbered like the last one written is acknowledged again without being written; the next number is
 * appended; anything else is OUT_OF_ORDER_SEQUENCE_NUMBER). Only @platformatic/kafka's network side is
 * replaced; the lane and the request encoder are the real ones.
 */
const cluster = vi.hoisted(() => ({
  logs: new Map<number, string[]>(),
  last: new Map<number, { first: number; count: number }>(),
  /** Per broker, one behaviour per request (default: answer at once). */
  script: new Map<number, Array<'fail' | 'slow'>>(),
  outOfOrder: 0,
}));

vi.mock('@platformatic/kafka', async (importOriginal) => {
  const real = await importOriginal<typeof import('@platformatic/kafka')>();
  const brokers = new Map([
    [1, { host: 'broker-1', port: 9092 }],
    [2, { host: 'broker-2', port: 9092 }],
  ]);
  class Producer {
    async initIdempotentProducer() {
      return { producerId: 77n, producerEpoch: 0 };
    }
    async metadata({ topics }: { topics: string[] }) {
      return {
        brokers,
        topics: new Map(topics.map((t) => [t, { partitions: [{ leader: 1 }, { leader: 2 }] }])),
      };
    }
    close(_force: boolean, cb: () => void) {
      cb();
    }
  }
  class ConnectionPool {
    async get(broker: { host: string }) {
      return broker.host === 'broker-1' ? 1 : 2;
    }
    async close() {}
  }
  function decode(body: Buffer) {
    const r = real.Reader.from(body);
    r.readNullableString();
    r.readInt16();
    r.readInt32();
    return r
      .readArray((t) => {
        t.readString();
        return t.readArray((p) => {
          const partition = p.readInt32();
          const batch = real.readRecordsBatch(real.Reader.from(p.readBytes() as Buffer));
          return {
            partition,
            firstSequence: batch.firstSequence,
            values: batch.records.map((rec) => (rec.value as Buffer).toString()),
          };
        });
      })
      .flat();
  }
  function createAPI() {
    return {
      async async(broker: number, body: Buffer) {
        const behaviour = cluster.script.get(broker)?.shift();
        if (behaviour === 'fail') throw new real.NetworkError('connection reset by broker');
        const errors: string[] = [];
        for (const b of decode(body)) {
          const last = cluster.last.get(b.partition);
          if (last && last.first === b.firstSequence && last.count === b.values.length) continue; // a duplicate
          if (b.firstSequence !== (last ? last.first + last.count : 0)) {
            cluster.outOfOrder++;
            errors.push('OUT_OF_ORDER_SEQUENCE_NUMBER');
            continue;
          }
          cluster.last.set(b.partition, { first: b.firstSequence, count: b.values.length });
          cluster.logs.set(b.partition, [...(cluster.logs.get(b.partition) ?? []), ...b.values]);
        }
        if (behaviour === 'slow') await new Promise((r) => setTimeout(r, 400));
        if (errors.length > 0) throw new real.ProtocolError(errors[0] as string);
        return {};
      },
    };
  }
  return { ...real, Producer, ConnectionPool, createAPI };
});

const { createLane } = await import('./lane');
const { sizedRecord } = await import('./produce-request');

function reset(): void {
  cluster.logs.clear();
  cluster.last.clear();
  cluster.script.clear();
  cluster.outOfOrder = 0;
}

const lane = () =>
  createLane({
    brokers: ['broker-1:9092'],
    clientId: 'test',
    logger: undefined,
    lane: 0,
    connectTimeoutMs: 1000,
    sendTimeoutMs: 10_000,
    ackTimeoutMs: 1000,
    maxBatchBytes: 1_000_000,
    maxBatchRecords: 1000,
    retries: 3,
    onFailure: () => {},
  });

const rec = (partition: number, value: string) => ({
  topic: 't',
  partition,
  ...sizedRecord(`k-${value}`, value),
});

describe('a send over two partition leaders, one of which fails', () => {
  it('the retry does not write the other leader’s acknowledged records twice', async () => {
    reset();
    cluster.script.set(2, ['fail']); // broker 1 writes and acknowledges; broker 2 drops the request
    const l = lane();
    await l.send([rec(0, 'a'), rec(1, 'b')], Date.now() + 10_000);
    await l.disconnect();
    expect({ p0: cluster.logs.get(0), p1: cluster.logs.get(1) }).toEqual({ p0: ['a'], p1: ['b'] });
  });

  it('no retry starts while a request of the attempt is in flight, so sequences stay in step with the broker', async () => {
    reset();
    cluster.script.set(1, ['slow']); // broker 1 is still answering (its batch written) when broker 2 fails
    cluster.script.set(2, ['fail']);
    const l = lane();
    await l.send([rec(0, 'a'), rec(1, 'b')], Date.now() + 10_000);
    await new Promise((r) => setTimeout(r, 600));
    const next = await l.send([rec(0, 'c')], Date.now() + 10_000).then(
      () => 'ok',
      (e: unknown) => String(e),
    );
    await l.disconnect();
    expect({ next, outOfOrder: cluster.outOfOrder, p0: cluster.logs.get(0) }).toEqual({
      next: 'ok',
      outOfOrder: 0,
      p0: ['a', 'c'],
    });
  });
});
