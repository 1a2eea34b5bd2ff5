import type { Segment } from '@hourglass/events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { segmentOrder } from './segment-order';

/** The table's sort key, compared the plain way: (status, multiFlag, day, learnerId, segmentId). */
function reference(rows: readonly Segment[], days: readonly number[]): number[] {
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  const status = (s: Segment) => (s.status === 'verified' ? 1 : 2);
  const multi = (s: Segment) => (s.flagIds.length > 1 ? 1 : 0);
  return rows
    .map((_, i) => i)
    .sort((a, b) => {
      const x = rows[a] as Segment;
      const y = rows[b] as Segment;
      return (
        status(x) - status(y) ||
        multi(x) - multi(y) ||
        (days[a] as number) - (days[b] as number) ||
        cmp(x.learnerId, y.learnerId) ||
        cmp(x.segmentId, y.segmentId)
      );
    });
}

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-';
const idChar = fc.constantFrom(...ID_CHARS);

const row = (segmentId: string, learnerId: string, kind: 0 | 1 | 2): Segment => ({
  segmentId,
  learnerId,
  platformId: 'p',
  sessionId: 'S',
  courseId: 'C',
  deviceId: 'D',
  occupation: 'o',
  region: '110101',
  learnerGroup: 'other',
  startMs: 0,
  endMs: 1,
  status: kind === 0 ? 'verified' : 'withheld',
  kinds: kind === 0 ? [] : ['idle'],
  flagIds: kind === 0 ? [] : kind === 1 ? ['f1'] : ['f1', 'f2'],
  eventId: 'e',
});

describe('segmentOrder', () => {
  it('is the order of the segments sort key (property: ids with shared prefixes, few learners, several days)', () => {
    const batch = fc
      .array(
        fc.record({
          // A common prefix, then a few characters: many ids agree on their leading characters.
          id: fc.tuple(
            fc.constantFrom('', 's_', 'seg-000'),
            fc.string({ unit: idChar, minLength: 0, maxLength: 6 }),
          ),
          learner: fc.string({ unit: fc.constantFrom('L', 'l', '1', '-', 'z'), minLength: 1, maxLength: 3 }),
          kind: fc.constantFrom(0 as const, 1 as const, 2 as const),
          day: fc.integer({ min: 20_500, max: 20_503 }),
        }),
        { maxLength: 300 },
      )
      .map((xs) => {
        const seen = new Set<string>();
        return xs.filter((x) => {
          const id = x.id.join('');
          if (id === '' || seen.has(id)) return false;
          seen.add(id);
          return true;
        });
      });
    fc.assert(
      fc.property(batch, (xs) => {
        const rows = xs.map((x) => row(x.id.join(''), x.learner, x.kind));
        const days = xs.map((x) => x.day);
        expect(Array.from(segmentOrder(rows, days))).toEqual(reference(rows, days));
      }),
      { numRuns: 500 },
    );
  });

  it('orders batches with no room for id characters in the packed number, and batches without room at all', () => {
    // Days 0 and 65535 and 20k learners leave room for the index only: every tie is compared as strings.
    const tight = Array.from({ length: 40_000 }, (_, i) =>
      row(`s${(i * 7919) % 40_000}`, `L${i % 20_000}`, (i % 3) as 0 | 1 | 2),
    );
    const tightDays = tight.map((_, i) => (i % 2 === 0 ? 0 : 65_535));
    expect(Array.from(segmentOrder(tight, tightDays))).toEqual(reference(tight, tightDays));
    // 220k learners over that range do not fit at all: the plain comparison sort.
    const wide = Array.from({ length: 220_000 }, (_, i) => row(`s${i}`, `L${(i * 7) % 220_000}`, 0));
    const wideDays = wide.map((_, i) => (i % 2 === 0 ? 0 : 65_535));
    expect(Array.from(segmentOrder(wide, wideDays))).toEqual(reference(wide, wideDays));
  });

  it('handles the empty batch and one row', () => {
    expect(Array.from(segmentOrder([], []))).toEqual([]);
    expect(Array.from(segmentOrder([row('a', 'L', 0)], [1]))).toEqual([0]);
  });
});
