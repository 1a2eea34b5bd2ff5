import { jsCRC32C, Reader, readRecordsBatch } from '@platformatic/kafka';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeProduceRequest, type ProduceRequestSpec, sizedRecord } from './produce-request';

interface Decoded {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topics: {
    name: string;
    partitions: { partition: number; batch: ReturnType<typeof readRecordsBatch>; crcOk: boolean }[];
  }[];
}

/** Reads a Produce v9 body back with @platformatic/kafka's reader: an independent decoder of the same format. */
function decode(body: Buffer): Decoded {
  const r = Reader.from(body);
  const out: Decoded = {
    transactionalId: r.readNullableString(),
    acks: r.readInt16(),
    timeoutMs: r.readInt32(),
    topics: r.readArray((t) => ({
      name: t.readString(),
      partitions: t.readArray((p) => {
        const partition = p.readInt32();
        const bytes = p.readBytes() as Buffer;
        const batch = readRecordsBatch(Reader.from(bytes));
        // The CRC covers everything from the attributes (byte 21) to the end of the batch.
        const crcOk = jsCRC32C(bytes.subarray(21)) === batch.crc;
        return { partition, batch, crcOk };
      }),
    })),
  };
  r.readTaggedFields();
  expect(r.remaining).toBe(0);
  return out;
}

interface PlainPartition {
  partition: number;
  firstSequence: number;
  records: { key: string; value: string }[];
}

const spec = (topics: [string, PlainPartition[]][], over: Partial<ProduceRequestSpec> = {}) => ({
  acks: -1,
  timeoutMs: 5000,
  producerId: 4242n,
  producerEpoch: 3,
  timestampMs: Date.UTC(2026, 10, 29, 8, 0, 0, 123),
  topics: new Map(
    topics.map(([name, parts]) => [
      name,
      parts.map((p) => ({ ...p, records: p.records.map((r) => sizedRecord(r.key, r.value)) })),
    ]),
  ),
  ...over,
});

describe('encodeProduceRequest', () => {
  it('writes acks, timeout, producer id, epoch, sequences, timestamps and records that a Kafka decoder reads back', () => {
    const body = encodeProduceRequest(
      spec([
        [
          'hg.events',
          [
            {
              partition: 2,
              firstSequence: 7,
              records: [
                { key: 'L1', value: '{"a":1}' },
                { key: 'L2', value: 'x' },
              ],
            },
            { partition: 0, firstSequence: 0, records: [{ key: 'L3', value: '' }] },
          ],
        ],
        [
          'hg.rejected',
          [{ partition: 1, firstSequence: 2147483647, records: [{ key: 'p01', value: 'bad' }] }],
        ],
      ]),
    );
    const d = decode(body);
    expect(d.transactionalId).toBeNull();
    expect(d.acks).toBe(-1);
    expect(d.timeoutMs).toBe(5000);
    expect(d.topics.map((t) => t.name)).toEqual(['hg.events', 'hg.rejected']);
    const [events, rejected] = d.topics;
    const p2 = events?.partitions[0];
    expect(p2?.partition).toBe(2);
    expect(p2?.crcOk).toBe(true);
    expect(p2?.batch).toMatchObject({
      firstOffset: 0n,
      partitionLeaderEpoch: -1,
      magic: 2,
      attributes: 0,
      lastOffsetDelta: 1,
      firstTimestamp: BigInt(Date.UTC(2026, 10, 29, 8, 0, 0, 123)),
      maxTimestamp: BigInt(Date.UTC(2026, 10, 29, 8, 0, 0, 123)),
      producerId: 4242n,
      producerEpoch: 3,
      firstSequence: 7,
    });
    expect(p2?.batch.records.map((x) => [x.offsetDelta, x.key?.toString(), x.value?.toString()])).toEqual([
      [0, 'L1', '{"a":1}'],
      [1, 'L2', 'x'],
    ]);
    expect(events?.partitions[1]?.batch.records.map((x) => x.value?.toString())).toEqual(['']);
    expect(rejected?.partitions[0]?.batch.firstSequence).toBe(2147483647);
    expect(rejected?.partitions[0]?.crcOk).toBe(true);
  });

  it('round-trips any keys and values, including multi-byte UTF-8, and batches large enough for multi-byte varints', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 300 });
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ key: text, value: fc.oneof(text, fc.string({ minLength: 200, maxLength: 20_000 })) }),
          {
            minLength: 1,
            maxLength: 40,
          },
        ),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (records, firstSequence) => {
          const d = decode(encodeProduceRequest(spec([['t', [{ partition: 0, firstSequence, records }]]])));
          const p = d.topics[0]?.partitions[0];
          expect(p?.crcOk).toBe(true);
          expect(p?.batch.firstSequence).toBe(firstSequence);
          expect(
            p?.batch.records.map((x) => ({ key: x.key?.toString(), value: x.value?.toString() })),
          ).toEqual(records);
          expect(p?.batch.records.map((x) => x.offsetDelta)).toEqual(records.map((_, i) => i));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('sizes the buffer exactly for many records and partitions (a mistake throws instead of sending garbage)', () => {
    const records = Array.from({ length: 5000 }, (_, i) => ({ key: `L${i}`, value: 'é'.repeat(i % 70) }));
    const parts = Array.from({ length: 16 }, (_, p) => ({ partition: p, firstSequence: p, records }));
    const d = decode(encodeProduceRequest(spec([['many', parts]])));
    expect(d.topics[0]?.partitions.map((p) => p.batch.records.length)).toEqual(parts.map(() => 5000));
    expect(d.topics[0]?.partitions.every((p) => p.crcOk)).toBe(true);
  });

  it('refuses a record whose byte lengths do not match its text, instead of writing a corrupt batch', () => {
    const topics = new Map([
      [
        't',
        [{ partition: 0, firstSequence: 0, records: [{ key: 'k', value: 'é', keyBytes: 1, valueBytes: 3 }] }],
      ],
    ]);
    expect(() => encodeProduceRequest({ ...spec([]), topics })).toThrow(/sized 3/);
  });
});
