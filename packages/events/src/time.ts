import { EventsError } from './errors';
import { DAY, RFC3339 } from './patterns';

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const max = m === 2 && isLeap(y) ? 29 : (DAYS_IN_MONTH[m - 1] ?? 0);
  return d <= max;
}

/**
 * Parses an RFC 3339 timestamp (explicit offset, ≤ ms precision) to epoch milliseconds,
 * or returns null. Calendar fields are checked: Date.parse would roll 2026-02-30 over to March.
 */
export function parseTimestamp(value: string): number | null {
  const m = RFC3339.exec(value);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return null;
  const ms = m[7] ? Number(m[7].padEnd(3, '0')) : 0;
  let offsetMin = 0;
  if (m[8] !== 'Z') {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 23 || om > 59) return null;
    offsetMin = (oh * 60 + om) * (m[8]?.startsWith('-') ? -1 : 1);
  }
  return utcMs(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000;
}

/** 400 Gregorian years in ms: the calendar repeats after them, leap days included. */
const CYCLE_MS = 146_097 * 86_400_000;

/**
 * Date.UTC for every year RFC 3339 can write (0000-9999). Date.UTC itself reads years 0-99 as 1900-1999,
 * which would put "0050-03-01" 1900 years late; those years are computed one 400-year cycle later and
 * moved back by it.
 */
export function utcMs(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
): number {
  return y < 100 ? Date.UTC(y + 400, mo, d, h, mi, s, ms) - CYCLE_MS : Date.UTC(y, mo, d, h, mi, s, ms);
}

/** Parses a YYYY-MM-DD calendar day, or returns null. */
export function parseDay(value: string): { y: number; m: number; d: number } | null {
  const m = DAY.exec(value);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  return validDate(y, mo, d) ? { y, m: mo, d } : null;
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The programme-time-zone calendar day of an instant. Offsets are nearly always whole quarter hours
 * that change at quarter-hour instants (India is +05:30, Nepal +05:45, Lord Howe moves by 30 minutes at
 * 15:30 UTC), so the offset is looked up once per quarter hour of UTC: Intl formatting costs
 * microseconds and this runs for every event. A quarter hour whose offset is not whole quarter hours
 * (local mean time) or changes inside it (Newfoundland, Labrador and New Brunswick changed at 00:01
 * local until 2006-2011) is looked up per call.
 */
export function createDayOf(timeZone: string): (ms: number) => string {
  const fmt = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const offsetOf = (ms: number): number => {
    const parts: Record<string, string> = {};
    for (const p of fmt.formatToParts(ms)) parts[p.type] = p.value;
    const local = Date.UTC(
      Number(parts.year),
      Number(parts.month) - 1,
      Number(parts.day),
      Number(parts.hour),
      Number(parts.minute),
      Number(parts.second),
    );
    return local - (ms - (ms % 1000));
  };
  const offsetBySlot = new Map<number, number>();
  // Consecutive calls mostly fall in one quarter hour, where the day cannot change: reuse the answer.
  let lastSlot = Number.NaN;
  let lastDay = '';
  return (ms: number) => {
    const slot = Math.floor(ms / 900_000);
    if (slot === lastSlot) return lastDay;
    let off = offsetBySlot.get(slot);
    if (off === undefined) {
      off = offsetOf(slot * 900_000);
      if (off % 900_000 !== 0 || offsetOf(slot * 900_000 + 899_000) !== off) {
        return new Date(ms + offsetOf(ms)).toISOString().slice(0, 10);
      }
      if (offsetBySlot.size > 100_000) offsetBySlot.clear();
      offsetBySlot.set(slot, off);
    }
    const day = new Date(ms + off).toISOString().slice(0, 10);
    lastSlot = slot;
    lastDay = day;
    return day;
  };
}

/** Start (inclusive) of a programme-time-zone day, in epoch ms. */
export function createDayStart(timeZone: string): (day: string) => number {
  const dayOf = createDayOf(timeZone);
  return (day: string) => {
    const p = parseDay(day);
    if (!p) throw new EventsError('invalid_day', `not a day: ${day}`);
    const utcMidnight = Date.UTC(p.y, p.m - 1, p.d);
    // Zone offsets are within ±14 h: search the instant whose local day flips to `day`.
    let lo = utcMidnight - 15 * 3_600_000;
    let hi = utcMidnight + 15 * 3_600_000;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (dayOf(mid) < day) lo = mid;
      else hi = mid;
    }
    return hi;
  };
}
