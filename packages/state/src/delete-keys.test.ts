import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deleteKeysUnder, globLiteral } from './delete-keys';
import { onLocalRedis } from './testing/redis';

describe('globLiteral', () => {
  it.each([
    ['hg:', 'hg:'],
    ['a*b', 'a\\*b'],
    ['a?b', 'a\\?b'],
    ['[x]', '\\[x\\]'],
    ['back\\slash', 'back\\\\slash'],
    ['{L1}:é', '{L1}:é'],
  ])('escapes %j as %j', (text, glob) => {
    expect(globLiteral(text)).toBe(glob);
  });
});

onLocalRedis('deleteKeysUnder', (_url, redis) => {
  describe('deleteKeysUnder', () => {
    it('deletes every key under the prefix, taken literally, and no other', async () => {
      const base = `hgtest:${randomUUID()}:`;
      // '*' and '[ab]' would match the neighbours below if the prefix went into MATCH unescaped.
      const prefix = `${base}p*[ab]?:`;
      const mine = Array.from({ length: 2500 }, (_, i) => `${prefix}l:{L${i}}`);
      const neighbours = [`${base}pX[ab]?:l:{L1}`, `${base}p*a?:l:{L1}`, `${base}p*[ab]!:x`, `${base}other`];
      try {
        for (let i = 0; i < mine.length; i += 500) {
          await redis.mset(...mine.slice(i, i + 500).flatMap((k) => [k, 'v']));
        }
        await redis.mset(...neighbours.flatMap((k) => [k, 'n']));

        expect(await deleteKeysUnder(redis, prefix)).toBe(mine.length);

        expect(await redis.exists(...mine)).toBe(0);
        expect(await redis.exists(...neighbours)).toBe(neighbours.length);
        expect(await deleteKeysUnder(redis, prefix)).toBe(0);
      } finally {
        await redis.unlink(...neighbours);
      }
    });

    it('refuses an empty prefix, which would name the whole keyspace', async () => {
      await expect(deleteKeysUnder(redis, '')).rejects.toThrow(RangeError);
    });
  });
});
