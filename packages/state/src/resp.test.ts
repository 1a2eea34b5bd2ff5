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
