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
});
