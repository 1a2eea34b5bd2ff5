import { countSupersedes, type EventCountRecord } from '@hourglass/events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createStretchCounter,
  decodeCountProgress,
  encodeCountStretch,
  type OpenStretch,
  STRETCH_OFFSETS,
} from './count-stretches';
import { DetectorError } from './errors';

/** Segments on these platforms (all the counter reads of a segment). */
const on = (...platforms: string[]) => platforms.map((platformId) => ({ platformId }));

interface Counted {
  offset: bigint;
  platformId: string;
  day: string;
  segments: string[];
}

/** Counts `events` cut into batches of the given sizes, carrying the open stretch as the detector stores it. */
function countInBatches(events: readonly Counted[], sizes: readonly number[]): EventCountRecord[] {
  const out: EventCountRecord[] = [];
  let open: OpenStretch | null = null;
  let i = 0;
  for (const size of sizes) {
    if (i >= events.length) break;
    const counter = createStretchCounter({ partition: 'events/3', open });
    for (const e of events.slice(i, i + size))
      counter.event(e.offset, e.platformId, e.day, on(...e.segments));
    i += size;
    out.push(...counter.records());
    // Through the stored form, as a claim would read it.
    const watermark = String(i - 1);
    open = decodeCountProgress({
      countedUntil: String(i),
      countStretch: encodeCountStretch(watermark, counter.open()),
      watermark,
    }).open;
  }
  return out;
}

/**
 * What the warehouse keeps: per id, the copy that counts furthest; its numbers (`through` is how far
 * the batch that wrote it got, and any copy at or past the key's last event holds the same numbers).
 */
function kept(records: readonly EventCountRecord[]): Omit<EventCountRecord, 'through'>[] {
  const byId = new Map<string, EventCountRecord>();
  for (const r of records) if (countSupersedes(r, byId.get(r.countId))) byId.set(r.countId, r);
  return [...byId.values()]
    .sort((a, b) => (a.countId < b.countId ? -1 : 1))
    .map(({ through: _, ...numbers }) => numbers);
}

describe('event counts by log position', () => {
  it('counts cumulatively per stretch, platform and day, each record as far as its batch got', () => {
    const last = STRETCH_OFFSETS - 1n;
    const counter = createStretchCounter({
      partition: 'events/3',
      open: { from: 0n, counts: new Map([['cvto\u00002026-03-01', { accepted: 7, segments: 5 }]]) },
    });
    counter.event(last - 1n, 'cvto', '2026-03-01', on('cvto'));
    counter.event(last, 'skillup', '2026-03-01', on('skillup', 'cvto'));
    // The next stretch begins at its first offset, whatever offset comes first.
    counter.event(STRETCH_OFFSETS + 2n, 'cvto', '2026-03-02', []);
    expect(counter.records()).toEqual([
      {
        countId: 'events/3/from-0/cvto/2026-03-01',
        platformId: 'cvto',
        day: '2026-03-01',
        accepted: 8,
        segments: 7,
        through: Number(last),
      },
      {
        countId: 'events/3/from-0/skillup/2026-03-01',
        platformId: 'skillup',
        day: '2026-03-01',
        accepted: 1,
        segments: 1,
        through: Number(last),
      },
      {
        countId: `events/3/from-${STRETCH_OFFSETS}/cvto/2026-03-02`,
        platformId: 'cvto',
        day: '2026-03-02',
        accepted: 1,
        segments: 0,
        through: Number(STRETCH_OFFSETS + 2n),
      },
    ]);
    expect(counter.open()).toEqual({
      from: STRETCH_OFFSETS,
      counts: new Map([['cvto\u00002026-03-02', { accepted: 1, segments: 0 }]]),
    });
  });

  it('counting that begins inside a stretch names the stretch by that offset', () => {
    const counter = createStretchCounter({ partition: 'events/0', open: null });
    counter.event(12_345n, 'cvto', '2026-03-01', []);
    expect(counter.records().map((r) => r.countId)).toEqual(['events/0/from-12345/cvto/2026-03-01']);
  });

  it('never changes the stored stretch it starts from (a batch that runs again starts from it again)', () => {
    const open: OpenStretch = {
      from: 0n,
      counts: new Map([['cvto\u00002026-03-01', { accepted: 1, segments: 0 }]]),
    };
    const counter = createStretchCounter({ partition: 'events/0', open });
    counter.event(5n, 'cvto', '2026-03-01', on('cvto'));
    expect(open.counts.get('cvto\u00002026-03-01')).toEqual({ accepted: 1, segments: 0 });
  });

  it('a batch that counts nothing emits nothing and keeps the stretch', () => {
    const open: OpenStretch = { from: 0n, counts: new Map() };
    const counter = createStretchCounter({ partition: 'events/0', open });
    expect(counter.records()).toEqual([]);
    expect(counter.open()?.from).toBe(0n);
  });

  const stored = (
    countedUntil: string | null,
    countStretch: string | null,
    watermark: string | null = '11',
  ) => ({
    countedUntil,
    countStretch,
    watermark,
  });

  it.each([
    ['nothing stored', stored(null, null, null), { countedUntil: null, open: null, byPosition: false }],
    [
      'a per-batch counted offset only (an earlier release)',
      stored('4711', null),
      { countedUntil: 4711n, open: null, byPosition: false },
    ],
    [
      'by position, no stretch yet',
      stored('12', 'stretch/2 11'),
      { countedUntil: 12n, open: null, byPosition: true },
    ],
    [
      'by position, with a stretch',
      stored('12', 'stretch/2 11 10\ncvto\t2026-03-01\t3\t2'),
      {
        countedUntil: 12n,
        open: { from: 10n, counts: new Map([['cvto\u00002026-03-01', { accepted: 3, segments: 2 }]]) },
        byPosition: true,
      },
    ],
    [
      'a stretch written before a commit of an earlier release (its watermark is not the stored one)',
      stored('20', 'stretch/2 11 10\ncvto\t2026-03-01\t3\t2', '19'),
      { countedUntil: 20n, open: null, byPosition: false },
    ],
  ])('reads the stored progress: %s', (_, given, expected) => {
    expect(decodeCountProgress(given)).toEqual(expected);
  });

  it.each([
    ['a stretch of another format', stored('1', 'stretch/1 11')],
    ['a stretch with a negative offset', stored('1', 'stretch/2 -1')],
    ['counts without a stretch', stored('1', 'stretch/2 11\ncvto\t2026-03-01\t1\t1')],
    ['a count that is not a number', stored('1', 'stretch/2 11 0\ncvto\t2026-03-01\tx\t1')],
    ['a line with more fields', stored('1', 'stretch/2 11 0\ncvto\t2026-03-01\t1\t1\t1')],
    ['a hex counted offset', stored('0x10', null)],
  ])('refuses stored progress with %s as corrupt state', (_, given) => {
    const err = (() => {
      try {
        decodeCountProgress(given);
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DetectorError);
    expect((err as DetectorError).code).toBe('corrupt_state');
  });

  it('property: what the warehouse keeps does not depend on how the offsets were batched', () => {
    const event = fc.record({
      gap: fc.bigInt({ min: 1n, max: 6_000n }),
      platformId: fc.constantFrom('cvto', 'skillup'),
      day: fc.constantFrom('2026-03-01', '2026-03-02'),
      segments: fc.array(fc.constantFrom('cvto', 'skillup'), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(
        fc.array(event, { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 40 }),
        (raw, sizes) => {
          let offset = -1n;
          const events: Counted[] = raw.map((e) => {
            offset += e.gap;
            return { offset, platformId: e.platformId, day: e.day, segments: e.segments };
          });
          const once = kept(countInBatches(events, [events.length]));
          // Batched differently, and batched again from the start (a replay): the same counts kept.
          const batched = countInBatches(events, [...sizes, events.length]);
          expect(kept(batched)).toEqual(once);
          expect(kept([...batched, ...countInBatches(events, [1, ...sizes, events.length])])).toEqual(once);
          // And they add up to the events and segments counted.
          const sum = once.reduce((n, r) => n + r.accepted, 0);
          expect(sum).toBe(events.length);
          expect(once.reduce((n, r) => n + (r.segments ?? 0), 0)).toBe(
            events.reduce((n, e) => n + e.segments.length, 0),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
