import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/*
 * patches/kafkajs@2.2.4.patch adds offsets and timestamps as numbers below 2^53, decodes records in
 * place and compares fetched offsets as numbers. These tests hold the patched decoder to the exact
 * strings upstream's Long arithmetic gives, with batches written by kafkajs' own encoder, on both
 * sides of 2^53 and of the 7-byte varlong the fast path reads.
 */
const require = createRequire(import.meta.url);
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js');
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js');
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js');
const Decoder = require('kafkajs/src/protocol/decoder.js');
const Batch = require('kafkajs/src/consumer/batch.js');
const Long = require('kafkajs/src/utils/long.js');

interface DecodedRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
  keyText?: () => string | null;
  valueText?: () => string | null;
  offsetNumber?: number;
  timestampMs?: number;
}

interface Input {
  firstOffset: bigint;
  firstTimestamp: bigint;
  records: {
    offsetDelta: number;
    timestampDelta: bigint;
    value: string | null;
    /** Default `k<offsetDelta>`. */
    key?: string | null;
    headers?: Record<string, string | string[]>;
  }[];
}

async function encode(input: Input, logAppendTime = false): Promise<Buffer> {
  const batch = await RecordBatch({
    firstOffset: Long.fromString(input.firstOffset.toString()),
    firstTimestamp: Long.fromString(input.firstTimestamp.toString()),
    maxTimestamp: Long.fromString('1800000000000'),
    lastOffsetDelta: input.records.at(-1)?.offsetDelta ?? 0,
    records: input.records.map((r) =>
      Record({
        offsetDelta: r.offsetDelta,
        timestampDelta: Long.fromString(r.timestampDelta.toString()),
        key: r.key === null ? null : Buffer.from(r.key ?? `k${r.offsetDelta}`),
        value: r.value === null ? null : Buffer.from(r.value),
        headers: r.headers ?? {},
      }),
    ),
  });
  const bytes: Buffer = batch.buffer;
  // Attributes are the int16 at byte 21 (after offset, length, leader epoch, magic, CRC); bit 3 is
  // the timestamp type. kafkajs does not check the CRC on decode, so flipping it here is enough.
  if (logAppendTime) bytes[22] = (bytes[22] as number) | 0x08;
  return bytes;
}

/**
 * offsetNumber and timestampMs: when present, exactly the value of the string; present at least whenever
 * the string has at most 15 characters (any such integer is safe). Past that a number may still be given.
 */
function expectNumberOf(text: string, n: number | undefined): void {
  if (n !== undefined) {
    expect(Number.isSafeInteger(n)).toBe(true);
    expect(BigInt(n)).toBe(BigInt(text));
  } else {
    expect(text.length).toBeGreaterThan(15);
  }
}

async function decode(bytes: Buffer): Promise<DecodedRecord[]> {
  const batch = await decodeRecordBatch(new Decoder(bytes));
  const records: DecodedRecord[] = batch.records;
  // Every test also holds the in-place records' numbers to their exact strings.
  for (const r of records) {
    if (r.keyText === undefined) continue; // a record with headers: upstream's plain object
    expectNumberOf(r.offset, r.offsetNumber);
    expectNumberOf(r.timestamp, r.timestampMs);
  }
  return records;
}

describe('kafkajs patch: record decoding gives upstream’s exact offsets and timestamps', () => {
  it('offsets and timestamps below and above 2^53, deltas of 1 to 8 varlong bytes, negative deltas', async () => {
    const records = await decode(
      await encode({
        firstOffset: 41n,
        firstTimestamp: 1_772_323_200_000n,
        records: [
          { offsetDelta: 0, timestampDelta: 0n, value: 'a' },
          { offsetDelta: 1, timestampDelta: 30_000n, value: 'b' },
          { offsetDelta: 2, timestampDelta: -5n, value: 'c' },
          { offsetDelta: 3, timestampDelta: 2n ** 50n, value: 'd' },
        ],
      }),
    );
    expect(records.map((r) => [r.offset, r.timestamp, r.value?.toString()])).toEqual([
      ['41', '1772323200000', 'a'],
      ['42', '1772323230000', 'b'],
      ['43', '1772323199995', 'c'],
      ['44', (1_772_323_200_000n + 2n ** 50n).toString(), 'd'],
    ]);

    const big = await decode(
      await encode({
        firstOffset: 2n ** 53n + 1n,
        firstTimestamp: 999_999_999_999_999n,
        records: [
          { offsetDelta: 0, timestampDelta: 1n, value: 'x' },
          { offsetDelta: 1, timestampDelta: 2n ** 53n, value: 'y' },
        ],
      }),
    );
    expect(big.map((r) => [r.offset, r.timestamp])).toEqual([
      ['9007199254740993', '1000000000000000'],
      ['9007199254740994', (999_999_999_999_999n + 2n ** 53n).toString()],
    ]);
  });

  it('headers: none is {}, one value a Buffer, repeated keys an array; the next record still decodes', async () => {
    const records = await decode(
      await encode({
        firstOffset: 0n,
        firstTimestamp: 1n,
        records: [
          { offsetDelta: 0, timestampDelta: 0n, value: 'plain' },
          { offsetDelta: 1, timestampDelta: 0n, value: 'with', headers: { a: 'x', b: ['1', '2'] } },
          { offsetDelta: 2, timestampDelta: 0n, value: 'after' },
        ],
      }),
    );
    expect(records[0]?.headers).toEqual({});
    expect(records[1]?.headers).toEqual({ a: Buffer.from('x'), b: [Buffer.from('1'), Buffer.from('2')] });
    expect(records.map((r) => [r.offset, r.key?.toString(), r.value?.toString()])).toEqual([
      ['0', 'k0', 'plain'],
      ['1', 'k1', 'with'],
      ['2', 'k2', 'after'],
    ]);
  });

  it('key and value without headers: read as text in place, and as the same Buffers as upstream on access', async () => {
    const records = await decode(
      await encode({
        firstOffset: 0n,
        firstTimestamp: 1n,
        records: [
          { offsetDelta: 0, timestampDelta: 0n, key: 'L-1', value: '{"a":"é 学习 🎓"}' },
          { offsetDelta: 1, timestampDelta: 0n, key: null, value: 'no key' },
          { offsetDelta: 2, timestampDelta: 0n, key: '', value: '' },
          { offsetDelta: 3, timestampDelta: 0n, key: 'tombstone', value: null },
          { offsetDelta: 4, timestampDelta: 0n, key: 'h', value: 'headers', headers: { a: 'x' } },
        ],
      }),
    );
    const texts = records.map((r) => (r.valueText ? [r.keyText?.(), r.valueText()] : 'buffers only'));
    expect(texts).toEqual([
      ['L-1', '{"a":"é 学习 🎓"}'],
      [null, 'no key'],
      ['', ''],
      ['tombstone', null],
      'buffers only',
    ]);
    expect(records.map((r) => [r.key?.toString() ?? null, r.value?.toString() ?? null])).toEqual([
      ['L-1', '{"a":"é 学习 🎓"}'],
      [null, 'no key'],
      ['', ''],
      ['tombstone', null],
      ['h', 'headers'],
    ]);
    expect(Buffer.isBuffer(records[0]?.value)).toBe(true);
    expect(records[0]?.headers).toEqual({});
  });

  it('any key and value text comes back exactly, in place and through the Buffers (property)', async () => {
    const text = fc.option(fc.string({ unit: 'binary', maxLength: 300 }), { nil: null, freq: 5 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: text, value: text }), { minLength: 1, maxLength: 10 }),
        async (kvs) => {
          const decoded = await decode(
            await encode({
              firstOffset: 3n,
              firstTimestamp: 1n,
              records: kvs.map((kv, i) => ({ offsetDelta: i, timestampDelta: 0n, ...kv })),
            }),
          );
          // Lone surrogates do not survive UTF-8 in either path; compare with what the bytes say.
          const utf8 = (s: string | null) => (s === null ? null : Buffer.from(s).toString('utf8'));
          expect(decoded.map((r) => [r.keyText?.(), r.valueText?.()])).toEqual(
            kvs.map((kv) => [utf8(kv.key), utf8(kv.value)]),
          );
          expect(decoded.map((r) => [r.key?.toString() ?? null, r.value?.toString() ?? null])).toEqual(
            kvs.map((kv) => [utf8(kv.key), utf8(kv.value)]),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('log-append time: every record gets the batch’s max timestamp, and long deltas are still skipped', async () => {
    const records = await decode(
      await encode(
        {
          firstOffset: 7n,
          firstTimestamp: 5n,
          records: [
            { offsetDelta: 0, timestampDelta: 2n ** 60n, value: 'p' },
            { offsetDelta: 1, timestampDelta: 3n, value: 'q' },
          ],
        },
        true,
      ),
    );
    expect(records.map((r) => [r.offset, r.timestamp, r.value?.toString()])).toEqual([
      ['7', '1800000000000', 'p'],
      ['8', '1800000000000', 'q'],
    ]);
  });

  it('any base offset, base timestamp and deltas: the strings exact BigInt arithmetic gives (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 0n, max: 2n ** 62n }),
        fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }),
        fc.array(
          fc.record({
            step: fc.integer({ min: 1, max: 1000 }),
            timestampDelta: fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }),
          }),
          { minLength: 1, maxLength: 20 },
        ),
        async (firstOffset, firstTimestamp, steps) => {
          let offsetDelta = -1;
          const records = steps.map((s, i) => {
            offsetDelta += s.step;
            return { offsetDelta, timestampDelta: s.timestampDelta, value: `v${i}` };
          });
          const decoded = await decode(await encode({ firstOffset, firstTimestamp, records }));
          expect(decoded.map((r) => [r.offset, r.timestamp])).toEqual(
            records.map((r) => [
              (firstOffset + BigInt(r.offsetDelta)).toString(),
              BigInt.asIntN(64, firstTimestamp + r.timestampDelta).toString(),
            ]),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('kafkajs patch: a fetched batch keeps exactly the messages at or after the fetched offset', () => {
  const messages = (offsets: string[]) =>
    offsets.map((offset) => ({ offset, isControlRecord: false, batchContext: {} }));

  it.each([
    ['below 2^53', '100', ['98', '99', '100', '101'], ['100', '101']],
    [
      'crossing 15 digits',
      '999999999999999',
      ['999999999999998', '999999999999999', '1000000000000000'],
      ['999999999999999', '1000000000000000'],
    ],
    [
      'above 2^53',
      '9007199254740993',
      ['9007199254740992', '9007199254740993', '9007199254740994'],
      ['9007199254740993', '9007199254740994'],
    ],
  ])('%s', (_, fetched, offsets, kept) => {
    const batch = new Batch('t', fetched, {
      partition: 0,
      highWatermark: '0',
      messages: messages(offsets),
      abortedTransactions: [],
    });
    expect(batch.messages.map((m: { offset: string }) => m.offset)).toEqual(kept);
  });
});
