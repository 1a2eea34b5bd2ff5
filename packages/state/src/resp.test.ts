import fc from 'fast-check';
import { Command } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { encodeCommand, spareBuffer } from './resp';

/** The bytes ioredis itself writes for the command `parts[0]` with arguments `parts[1..]`. */
function ioredisBytes(parts: readonly (string | Buffer)[]): Buffer {
  const [name, ...args] = parts as [string, ...(string | Buffer)[]];
  const command = new Command(name, args) as Command & { stringifyArguments(): void };
  command.stringifyArguments();
  const writable = command.toWritable({});
  return typeof writable === 'string' ? Buffer.from(writable, 'utf8') : writable;
}

const part = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 600 }),
  fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
);
const command = fc.tuple(fc.constantFrom('evalsha', 'set', 'mget'), fc.array(part, { maxLength: 30 }));

describe('encodeCommand', () => {
  it('writes the bytes ioredis writes for the same command (strings as UTF-8, empty parts, Buffers)', () => {
    fc.assert(
      fc.property(command, ([name, args]) => {
        const parts = [name, ...args];
        expect(encodeCommand(parts).equals(ioredisBytes(parts))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('is RESP: an array header, then each part as a bulk string of its UTF-8 byte length', () => {
    expect(encodeCommand(['SET', 'k', 'é', Buffer.from([0, 13, 10])]).toString('latin1')).toBe(
      '*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n\xc3\xa9\r\n$3\r\n\x00\r\n\r\n',
    );
    expect(encodeCommand([]).toString()).toBe('*0\r\n');
  });

  // Found in review: the property test's parts stay under 2,000 bytes and its commands under 32 parts, so
  // a digits() or header() that wrote at most four digits survived it; a commit's outbox is ~0.8 MB and a
  // commit of a large batch has over 10,000 parts.
  it('writes lengths and part counts of five to seven digits (parts of 10,000 to 1,000,000 bytes, 100,000 parts)', () => {
    for (const n of [9_999, 10_000, 99_999, 100_000, 999_999, 1_000_000]) {
      const parts = ['SET', 'k', 'v'.repeat(n)];
      const bytes = encodeCommand(parts);
      expect(bytes.subarray(0, 23 + String(n).length).toString()).toBe(
        `*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${n}\r\n`,
      );
      expect(bytes.equals(ioredisBytes(parts))).toBe(true);
    }
    // 5,000 two-byte characters: 10,000 bytes.
    expect(
      encodeCommand(['SET', 'é'.repeat(5_000)])
        .subarray(0, 23)
        .toString('latin1'),
    ).toBe('*2\r\n$3\r\nSET\r\n$10000\r\n\xc3\xa9');
    const many = ['MGET', ...Array.from({ length: 99_999 }, (_, i) => `k${i}`)];
    const bytes = encodeCommand(many);
    expect(bytes.subarray(0, 19).toString()).toBe('*100000\r\n$4\r\nMGET\r\n');
    expect(bytes.equals(ioredisBytes(many))).toBe(true);
  });

  it('writes empty parts, lone surrogates and Buffers that are views into a larger buffer exactly', () => {
    const backing = Buffer.from('xxxxHELLOyyyy');
    expect(
      encodeCommand(['SET', '', Buffer.alloc(0), '\ud800', 'a\udc00b', backing.subarray(4, 9)]).toString(
        'latin1',
      ),
    ).toBe(
      '*6\r\n$3\r\nSET\r\n$0\r\n\r\n$0\r\n\r\n$3\r\n\xef\xbf\xbd\r\n$5\r\na\xef\xbf\xbdb\r\n$5\r\nHELLO\r\n',
    );
  });

  it('writes into a scratch buffer large enough for it, and into a new one otherwise', () => {
    const first = encodeCommand(['SET', 'k', 'v'.repeat(100)]);
    const whole = spareBuffer(first);
    // A new buffer has a quarter of headroom, so a slightly larger command fits it next time.
    expect(whole.length).toBeGreaterThanOrEqual(Math.ceil(first.length * 1.25));
    const second = encodeCommand(['SET', 'k', 'w'.repeat(110)], whole);
    expect(second.buffer).toBe(whole.buffer);
    expect(second.toString()).toBe(ioredisBytes(['SET', 'k', 'w'.repeat(110)]).toString());
    expect(spareBuffer(second).length).toBe(whole.length);
    const third = encodeCommand(['SET', 'k', 'x'.repeat(1000)], whole);
    expect(third.buffer).not.toBe(whole.buffer);
    expect(third.toString()).toBe(ioredisBytes(['SET', 'k', 'x'.repeat(1000)]).toString());
  });
});
