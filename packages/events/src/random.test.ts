import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from './random';

describe('seededRandom (mulberry32)', () => {
  it('gives mulberry32’s sequence: the same seed, the same traffic, in every version', () => {
    const next = seededRandom(42);
    expect([next(), next(), next()].map((x) => x * 4_294_967_296)).toEqual([
      2581720956, 1925393290, 3661312704,
    ]);
  });

  it('stays in [0, 1) and repeats itself for a repeated seed (property)', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const a = seededRandom(seed);
        const b = seededRandom(seed);
        for (let i = 0; i < 50; i++) {
          const x = a();
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThan(1);
          expect(b()).toBe(x);
        }
      }),
    );
  });
});
