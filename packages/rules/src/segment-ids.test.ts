import { createHash } from 'node:crypto';
import { flagIdOf, segmentIdOf } from '@hourglass/events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** The ids as first defined: SHA-256 of the parts joined by NUL, base64url, 22 characters. */
function reference(prefix: string, parts: (string | number)[]): string {
  return `${prefix}_${createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 22)}`;
}

describe('Segment and flag ids stay byte-identical to their definition', () => {
  it('property: any start time, including edges of the fast integer path', () => {
    const startMs = fc.oneof(
      fc.integer({ min: 1_000_000_000_000, max: 2_500_000_000_000 }),
      fc.integer(),
      fc.constantFrom(0, 999_999, 1_000_000, 1_000_001, 1_000_009, 2 ** 53 - 1, 2 ** 53, -1_000_000, 1e21),
      fc.double({ noNaN: true }),
    );
    fc.assert(
      fc.property(fc.string(), fc.string(), startMs, (platformId, sessionId, ms) => {
        expect(segmentIdOf(platformId, sessionId, ms)).toBe(reference('s', [platformId, sessionId, ms]));
      }),
      { numRuns: 2000 },
    );
  });

  it('property: flag ids', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (platformId, sessionId, kind) => {
        expect(flagIdOf(platformId, sessionId, kind)).toBe(reference('f', [platformId, sessionId, kind]));
      }),
      { numRuns: 500 },
    );
  });
});
