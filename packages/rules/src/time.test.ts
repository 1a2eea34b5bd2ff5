import { parseTimestamp } from '@hourglass/events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toMs } from './time';

const pad = (n: number, w: number) => String(n).padStart(w, '0');

describe('Event times', () => {
  it.each([
    ['2026-03-01T08:00:30Z', Date.UTC(2026, 2, 1, 8, 0, 30)],
    ['2026-03-01T08:00:30.5Z', Date.UTC(2026, 2, 1, 8, 0, 30, 500)],
    ['2026-03-01T08:00:30.123Z', Date.UTC(2026, 2, 1, 8, 0, 30, 123)],
    ['2026-03-01T16:00:30+08:00', Date.UTC(2026, 2, 1, 8, 0, 30)],
    ['2026-03-01T03:00:30.001-05:00', Date.UTC(2026, 2, 1, 8, 0, 30, 1)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    // Years 0-99 are not 1900-1999 (Date.UTC's reading of them).
    ['0050-03-01T11:59:00Z', -60_584_155_260_000],
  ])('%s is %d ms', (text, expected) => {
    expect(toMs(text)).toBe(expected);
  });

  it('an unparsable time is a bug upstream and throws', () => {
    expect(() => toMs('2026-02-30T00:00:00Z')).toThrow(RangeError);
    expect(() => toMs('yesterday')).toThrow(RangeError);
  });

  it('property: the fast path agrees with parseTimestamp on valid and near-valid timestamps', () => {
    const field = (max: number, w: number) => fc.integer({ min: 0, max }).map((n) => pad(n, w));
    const text = fc
      .tuple(
        field(9999, 4),
        field(13, 2),
        field(32, 2),
        field(24, 2),
        field(60, 2),
        field(60, 2),
        fc.constantFrom('', '.5', '.12', '.123', '.1234'),
        fc.constantFrom('Z', 'z', '+08:00', '-05:30', '+24:00', '-00:60', '+0800', ''),
        fc.constantFrom('T', 't', ' '),
      )
      .map(([y, mo, d, h, mi, s, frac, zone, sep]) => `${y}-${mo}-${d}${sep}${h}:${mi}:${s}${frac}${zone}`);
    fc.assert(
      fc.property(text, (t) => {
        const expected = parseTimestamp(t);
        if (expected === null) expect(() => toMs(t)).toThrow(RangeError);
        else expect(toMs(t)).toBe(expected);
      }),
      { numRuns: 20_000 },
    );
  });
});
