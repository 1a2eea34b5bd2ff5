import { describe, expect, it } from 'vitest';
import { boundErrors, redactSecret, rejectedRecord } from './rejected';

const input = {
  platformId: 'cvto',
  receivedAt: '2026-03-01T12:00:00.000Z',
  source: 'ingest' as const,
  index: 0,
};
const LONE = /\p{Cs}/u;

describe('rejected-event records hold well-formed text (the warehouse refuses lone surrogates)', () => {
  it('a platform’s id with a lone surrogate keeps its other characters, the surrogate as U+FFFD', () => {
    const r = rejectedRecord({
      ...input,
      id: 'bad\ud800',
      value: { type: 'heartbeat' },
      errors: [],
      raw: '{}',
    });
    expect(r.id).toBe('bad\ufffd');
  });

  it('a type clipped to 64 units never ends in half of a surrogate pair', () => {
    const type = '\u{1F600}'.repeat(40); // 80 UTF-16 units
    const r = rejectedRecord({ ...input, id: 'e1', value: { type }, errors: [], raw: '{}' });
    expect(r.type).toBe(`${'\u{1F600}'.repeat(31)}…`);
    expect(LONE.test(r.type ?? '')).toBe(false);
  });

  it('a raw text cut at 64 KiB never splits a UTF-8 character: it ends at the last whole one', () => {
    // 30 000 × '€' (3 bytes each) is 90 000 bytes; 65 536 bytes end one byte into the 21 846th '€'.
    const r = rejectedRecord({ ...input, id: null, value: null, errors: [], raw: '€'.repeat(30_000) });
    expect(r.truncated).toBe(true);
    expect(r.raw).toBe('€'.repeat(21_845));
    expect(Buffer.byteLength(r.raw, 'utf8')).toBe(65_535);
  });

  it('error paths and messages are well-formed and clipped', () => {
    const [e] = boundErrors([
      { path: `heartbeat.x\udc00${'y'.repeat(300)}`, code: 'unrecognized_key', message: 'm' },
    ]);
    expect(LONE.test(e?.path ?? '')).toBe(false);
    expect(e?.path.length).toBe(256);
    expect(e?.path.startsWith('heartbeat.x\ufffdy')).toBe(true);
  });
});

describe('rejected-event records never keep the request’s bearer token', () => {
  it('a token as written and as JSON escapes it inside a string are both redacted, before truncation', () => {
    // The raw text {"token":"ab\\c/d\"e"} ab\c/d"e holds the token ab\c/d"e escaped, then as written.
    expect(redactSecret('{"token":"ab\\\\c/d\\"e"} ab\\c/d"e', 'ab\\c/d"e')).toBe(
      '{"token":"[redacted]"} [redacted]',
    );
    expect(redactSecret('{"a":"t0k"}', undefined)).toBe('{"a":"t0k"}');
    const secret = 's'.repeat(40);
    const raw = `${'x'.repeat(64 * 1024 - 5)}${secret}`;
    const r = rejectedRecord({ ...input, id: null, value: null, errors: [], raw, secret });
    expect(r.truncated).toBe(true);
    expect(r.raw.endsWith('s')).toBe(false);
  });
});
