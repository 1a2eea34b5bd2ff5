import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEDUPE_CAPACITY, FINGERPRINT_CHARS, fingerprint, hasSeen, isRing, remember } from './dedupe';

describe('Dedupe ring', () => {
  it('fingerprints are 8 base64url characters and depend on platform and id', () => {
    expect(fingerprint('cvto', 'e-1')).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(fingerprint('cvto', 'e-1')).toBe(fingerprint('cvto', 'e-1'));
    expect(fingerprint('cvto', 'e-1')).not.toBe(fingerprint('cvt', 'oe-1'));
    expect(fingerprint('a', 'bc')).not.toBe(fingerprint('ab', 'c'));
  });

  it('has no collision among 200 000 sequential ids', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i++) seen.add(fingerprint('p1', `evt-${i}`));
    expect(seen.size).toBe(200_000);
  });

  it('remembers exactly the newest 256 ids', () => {
    let ring = '';
    const fps = Array.from({ length: 300 }, (_, i) => fingerprint('p1', `e${i}`));
    for (const fp of fps) ring = remember(ring, fp);
    expect(ring.length).toBe(DEDUPE_CAPACITY * FINGERPRINT_CHARS);
    expect(fps.slice(44).every((fp) => hasSeen(ring, fp))).toBe(true);
    expect(fps.slice(0, 44).some((fp) => hasSeen(ring, fp))).toBe(false);
    expect(isRing(ring)).toBe(true);
  });

  it('a match straddling two entries is not a hit', () => {
    const ring = 'AAAABBBBCCCCDDDD';
    expect(hasSeen(ring, 'BBBBCCCC')).toBe(false);
    expect(hasSeen(ring, 'CCCCDDDD')).toBe(true);
  });

  it('property: any of the newest 256 of a random id stream is found; the ring never exceeds 2 KiB', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 600 }),
        (ids) => {
          let ring = '';
          for (const id of ids) ring = remember(ring, fingerprint('p', id));
          for (const id of ids.slice(-DEDUPE_CAPACITY))
            expect(hasSeen(ring, fingerprint('p', id))).toBe(true);
          expect(ring.length).toBeLessThanOrEqual(2048);
        },
      ),
      { numRuns: 60 },
    );
  });
});
