import { createHash } from 'node:crypto';
import { flagIdOf, segmentIdOf } from '@hourglass/events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** The ids as first defined: SHA-256 of the parts joined by NUL, base64url, 22 characters. */
function reference(prefix: string, parts: (string | number)[]): string {
  return `${prefix}_${createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 22)}`;
}

/**
 * Any string, weighted to the edges of the one-block JS path: ASCII up to and past 55 bytes in all,
 * non-ASCII and lone UTF-16 surrogates (which UTF-8 encodes as U+FFFD).
 */
const anyText = fc.oneof(
  fc.string(),
  fc.string({ minLength: 15, maxLength: 30 }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.nat(0xffff).map((c) => String.fromCharCode(c)), maxLength: 6 }),
);

describe('Segment and flag ids stay byte-identical to their definition', () => {
  it('property: any start time, including edges of the fast integer path', () => {
    const startMs = fc.oneof(
      fc.integer({ min: 1_000_000_000_000, max: 2_500_000_000_000 }),
      fc.integer(),
      fc.constantFrom(0, 999_999, 1_000_000, 1_000_001, 1_000_009, 2 ** 53 - 1, 2 ** 53, -1_000_000, 1e21),
      fc.double({ noNaN: true }),
    );
    fc.assert(
      fc.property(anyText, anyText, startMs, (platformId, sessionId, ms) => {
        expect(segmentIdOf(platformId, sessionId, ms)).toBe(reference('s', [platformId, sessionId, ms]));
      }),
      { numRuns: 2000 },
    );
  });

  it('property: flag ids', () => {
    fc.assert(
      fc.property(anyText, anyText, anyText, (platformId, sessionId, kind) => {
        expect(flagIdOf(platformId, sessionId, kind)).toBe(reference('f', [platformId, sessionId, kind]));
      }),
      { numRuns: 2000 },
    );
  });

  it('every message length around the one-block limit (55 bytes)', () => {
    for (let n = 0; n <= 70; n++) {
      const p = 'p'.repeat(n % 7);
      const s = 'x'.repeat(Math.max(0, n - p.length));
      expect(flagIdOf(p, s, 'idle')).toBe(reference('f', [p, s, 'idle']));
      expect(segmentIdOf(p, s, 1_772_323_200_000)).toBe(reference('s', [p, s, 1_772_323_200_000]));
      expect(segmentIdOf(p, s, n)).toBe(reference('s', [p, s, n]));
    }
  });
});
