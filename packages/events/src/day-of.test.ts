import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDayOf } from './time';

/** The calendar day of `ms` in `timeZone`, straight from Intl: the reference. */
function referenceDay(timeZone: string, ms: number): string {
  const fmt = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  const parts: Record<string, string> = {};
  for (const p of fmt.formatToParts(ms)) parts[p.type] = p.value;
  return `${parts.year}-${parts.month}-${parts.day}`;
}

// Whole hours, half hours (India, Iran), quarter hours (Nepal, Chatham), DST in whole and in half hours.
const ZONES = [
  'Asia/Shanghai',
  'Asia/Tehran',
  'Pacific/Chatham',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'America/New_York',
  'Australia/Lord_Howe',
  'UTC',
];
const FROM = Date.UTC(2020, 0, 1);
const TO = Date.UTC(2032, 0, 1);

describe('createDayOf', () => {
  it('names the programme-zone day of any instant, whatever order the instants come in', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.array(fc.integer({ min: FROM, max: TO }), { minLength: 1, maxLength: 50 }),
        (zone, instants) => {
          const dayOf = createDayOf(zone);
          for (const ms of instants) expect(dayOf(ms)).toBe(referenceDay(zone, ms));
        },
      ),
    );
  });

  it('is right on both sides of midnight, minute by minute, called in time order as a batch does', () => {
    for (const zone of ZONES) {
      const dayOf = createDayOf(zone);
      // Two days around a DST change in the northern and the southern hemisphere, at every minute.
      for (const start of [Date.UTC(2026, 2, 7, 0), Date.UTC(2026, 9, 3, 0)]) {
        for (let ms = start; ms < start + 2 * 86_400_000; ms += 60_000) {
          expect(dayOf(ms)).toBe(referenceDay(zone, ms));
        }
      }
    }
  });

  // Found in review: until 2011 Newfoundland fell back at 00:01 local, inside a UTC quarter hour, so
  // 02:31-02:45Z on 2010-11-07 belong to 2010-11-06 (23:01-23:15 NST) and the quarter's start does not.
  it('is right in a quarter hour inside which the offset changes (St John’s, 2010)', () => {
    const dayOf = createDayOf('America/St_Johns');
    expect(dayOf(Date.parse('2010-11-07T02:30:59Z'))).toBe('2010-11-07');
    expect(dayOf(Date.parse('2010-11-07T02:35:00Z'))).toBe('2010-11-06');
    // Minute by minute across 00:01 changes: fall back (St John's, Goose Bay), spring forward (Moncton).
    const changes: [string, string][] = [
      ['America/St_Johns', '2010-11-07T02:31:00Z'],
      ['America/Goose_Bay', '2010-03-14T03:31:00Z'],
      ['America/Moncton', '2005-04-03T04:01:00Z'],
    ];
    for (const [zone, at] of changes) {
      const each = createDayOf(zone);
      const t = Date.parse(at);
      for (let ms = t - 3 * 3_600_000; ms < t + 3 * 3_600_000; ms += 60_000) {
        expect(each(ms)).toBe(referenceDay(zone, ms));
      }
    }
  });
});
