import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOutbox, encodeOutbox, encodeOutboxBytes } from './outbox';

const name = fc.stringMatching(/^[A-Za-z0-9._:/-]{1,40}$/);
const record = fc.record({ topic: name, key: name, value: fc.jsonValue().map((v) => JSON.stringify(v)) });

describe('outbox encoding', () => {
  it('reads back exactly the records it was given, in order', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 30 }), (records) => {
        expect(decodeOutbox(encodeOutbox(records))).toEqual(records);
      }),
    );
  });

  it('keeps values with quotes, backslashes, escaped newlines and unicode', () => {
    const records = [
      { topic: 'hg.segments.v1', key: 'L1', value: JSON.stringify({ note: 'a"b\\c\nd\te\u0000 学习' }) },
      { topic: 'hg.flags.v1', key: 'f/1', value: '{}' },
    ];
    expect(decodeOutbox(encodeOutbox(records))).toEqual(records);
  });

  it('refuses a record whose key or value holds a raw tab or newline', () => {
    expect(() => encodeOutbox([{ topic: 't', key: 'a\tb', value: '{}' }])).toThrow(/tab or newline/);
    expect(() => encodeOutbox([{ topic: 't', key: 'a', value: '{\n}' }])).toThrow(/tab or newline/);
  });

  it('reads the JSON outbox written by earlier detectors', () => {
    const records = [{ topic: 't', key: 'k', value: '{"a":1}' }];
    expect(decodeOutbox(JSON.stringify(records))).toEqual(records);
  });

  it('rejects text of an unknown format and broken lines', () => {
    expect(() => decodeOutbox('outbox/9\nx')).toThrow(/unknown format/);
    expect(() => decodeOutbox('outbox/1\nno-tabs-here')).toThrow(/not topic, key and value/);
  });

  it('encodes an empty batch', () => {
    expect(decodeOutbox(encodeOutbox([]))).toEqual([]);
  });
});

describe('outbox bytes', () => {
  const anyRecord = fc.record({
    topic: fc.string(),
    key: fc.string(),
    value: fc.string({ unit: 'grapheme' }),
  });
  const outcome = (f: () => unknown) => {
    try {
      return { ok: f() };
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  };

  it('are the UTF-8 bytes of the text outbox, or the same refusal', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(record, anyRecord), { maxLength: 30 }), (records) => {
        const text = outcome(() => Buffer.from(encodeOutbox(records), 'utf8'));
        expect(outcome(() => encodeOutboxBytes(records))).toEqual(text);
      }),
      { numRuns: 500 },
    );
  });

  it('are the bytes of the text outbox for non-ASCII and empty batches', () => {
    const records = [
      { topic: 'hg.segments.v1', key: '学习', value: JSON.stringify({ note: 'a"b\\c\nd\te\u0000 学习 😀' }) },
      { topic: 'hg.flags.v1', key: '', value: '' },
    ];
    expect(encodeOutboxBytes(records).equals(Buffer.from(encodeOutbox(records), 'utf8'))).toBe(true);
    expect(encodeOutboxBytes([]).toString('utf8')).toBe(encodeOutbox([]));
    expect(decodeOutbox(encodeOutboxBytes(records).toString('utf8'))).toEqual(records);
  });
});
