import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastParseTimestamp } from './fast-time';
import { parseTimestamp } from './time';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

describe('fastParseTimestamp', () => {
  it('equals parseTimestamp on well-formed and nearly well-formed timestamps', () => {
    const parts = fc.record({
      y: fc.integer({ min: 0, max: 9999 }),
      mo: fc.integer({ min: 0, max: 13 }),
      d: fc.integer({ min: 0, max: 32 }),
      h: fc.integer({ min: 0, max: 25 }),
      mi: fc.integer({ min: 0, max: 61 }),
      s: fc.integer({ min: 0, max: 61 }),
      frac: fc.constantFrom('', '.', '.1', '.12', '.123', '.1234', '.a'),
      zone: fc.constantFrom('Z', 'z', '+08:00', '-05:30', '+24:00', '+23:59', '-00:60', '+0800', '+08', ''),
    });
    fc.assert(
      fc.property(parts, (p) => {
        const s = `${pad(p.y, 4)}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}${p.frac}${p.zone}`;
        expect(fastParseTimestamp(s)).toBe(parseTimestamp(s));
      }),
      { numRuns: 20_000 },
    );
  });

  it('equals parseTimestamp on ISO strings of any instant, and on mutated ones', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2100, 0, 1) }),
        fc.nat(30),
        fc.string({ maxLength: 1 }),
        (ms, at, ch) => {
          const iso = new Date(ms).toISOString();
          expect(fastParseTimestamp(iso)).toBe(ms);
          const mutated = iso.slice(0, at) + ch + iso.slice(at + 1);
          expect(fastParseTimestamp(mutated)).toBe(parseTimestamp(mutated));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it.each([
    '2026-02-29T00:00:00Z',
    '2028-02-29T00:00:00Z',
    '2100-02-29T00:00:00Z',
    '2000-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
  ])('checks calendar days like parseTimestamp: %s', (s) => {
    expect(fastParseTimestamp(s)).toBe(parseTimestamp(s));
  });
});
