import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventsError } from './errors';
import { fastParseTimestamp } from './fast-time';
import { createDayStart, parseTimestamp } from './time';
import { validateEvent } from './validate';

// RFC 3339 years run 0000-9999; Date.UTC alone reads 0-99 as 1900-1999. The oracle here is the ISO
// parser of Date, which does not share that reading.
const iso = (text: string) => new Date(text).getTime();

describe('RFC 3339 timestamps of any 4-digit year', () => {
  it.each([
    ['0000-02-29T00:00:00Z', iso('0000-02-29T00:00:00.000Z')],
    ['0050-03-01T11:59:00Z', -60_584_155_260_000],
    ['0099-12-31T23:59:59.999+08:00', iso('0099-12-31T15:59:59.999Z')],
    ['0100-01-01T00:00:00Z', iso('0100-01-01T00:00:00.000Z')],
    ['1969-12-31T23:59:59.999Z', -1],
    ['9999-12-31T23:59:59.999Z', iso('9999-12-31T23:59:59.999Z')],
  ])('%s is the instant it names', (text, ms) => {
    expect(parseTimestamp(text)).toBe(ms);
    expect(fastParseTimestamp(text)).toBe(ms);
  });

  it('property: every instant of years 0000-9999 reads back from its ISO text', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: iso('0000-01-01T00:00:00Z'), max: iso('9999-12-31T23:59:59.999Z') }),
        (ms) => {
          const text = new Date(ms).toISOString();
          expect(parseTimestamp(text)).toBe(ms);
          expect(fastParseTimestamp(text)).toBe(ms);
        },
      ),
    );
  });

  it('a replayed event whose time is 1900 years before its receivedAt is time_too_old', () => {
    const r = validateEvent(
      {
        id: 'e1',
        type: 'heartbeat',
        time: '0050-03-01T11:59:00Z',
        receivedAt: '1950-03-01T11:59:10Z',
        platformId: 'cvto',
        learnerId: 'L1',
        sessionId: 'S1',
        courseId: 'C1',
        seq: 1,
        intervalSec: 30,
        focus: true,
        interactions: 1,
      },
      {},
    );
    expect(r.ok ? [] : r.errors.map((e) => `${e.path} ${e.code}`)).toEqual([
      'heartbeat.receivedAt time_out_of_range',
      'heartbeat.time time_out_of_range',
      'heartbeat.time time_too_old',
    ]);
  });
});

describe('createDayStart', () => {
  it('is the first instant of the day in the zone', () => {
    expect(createDayStart('UTC')('2026-03-01')).toBe(Date.UTC(2026, 2, 1));
    expect(createDayStart('Asia/Shanghai')('2026-03-01')).toBe(Date.UTC(2026, 1, 28, 16));
  });

  it('refuses what is not a day with EventsError invalid_day (a RangeError)', () => {
    const dayStart = createDayStart('UTC');
    const thrown = (() => {
      try {
        dayStart('yesterday');
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(EventsError);
    expect(thrown).toBeInstanceOf(RangeError);
    expect((thrown as EventsError).code).toBe('invalid_day');
  });
});
