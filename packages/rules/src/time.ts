import { parseTimestamp } from '@hourglass/events';

/**
 * Event time to epoch ms, exactly as `parseTimestamp` computes it. Two timestamps are parsed per event and
 * the regex-based parser costs about a microsecond each — half the engine's budget — so the common
 * shapes (`…SSZ`, `…SS.mmmZ`, `…SS±hh:mm`, `…SS.mmm±hh:mm`) take a hand-rolled path. Anything else, or
 * anything that path doubts, goes to `parseTimestamp`; a property test pins the two together.
 */
export function toMs(value: string): number {
  const fast = parseCommon(value);
  if (fast !== null) return fast;
  const slow = parseTimestamp(value);
  // Accepted events were validated at ingest; an unparsable time here is a bug upstream.
  if (slow === null) throw new RangeError(`not an RFC 3339 timestamp: ${JSON.stringify(value)}`);
  return slow;
}

const ZERO = 48;

/** Two decimal digits at `at`, or -1. */
function d2(s: string, at: number): number {
  const a = s.charCodeAt(at) - ZERO;
  const b = s.charCodeAt(at + 1) - ZERO;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

function daysIn(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

// The calendar part of consecutive timestamps is nearly always the same day (an event's time and its
// receipt, a batch of one partition), so its validation and day number are remembered for one date.
let lastDate = '';
let lastDays = 0;

/** Days since the epoch of `YYYY-MM-DD` at the start of s, or NaN. */
function dateDays(s: string): number {
  if (lastDate.length === 10 && s.startsWith(lastDate)) return lastDays;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return Number.NaN;
  const hi = d2(s, 0);
  const lo = d2(s, 2);
  const mo = d2(s, 5);
  const d = d2(s, 8);
  if (hi < 0 || lo < 0) return Number.NaN;
  const y = hi * 100 + lo;
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo)) return Number.NaN;
  lastDate = s.slice(0, 10);
  lastDays = daysFromCivil(y, mo, d);
  return lastDays;
}

/** Returns null whenever the shape is not one of the common four or a field is out of range. */
function parseCommon(s: string): number | null {
  const len = s.length;
  if (len !== 20 && len !== 24 && len !== 25 && len !== 29) return null;
  // 'T', ':', ':'
  if (s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return null;
  const days = dateDays(s);
  if (Number.isNaN(days)) return null;
  const h = d2(s, 11);
  const mi = d2(s, 14);
  const sec = d2(s, 17);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return null;
  let at = 19;
  let ms = 0;
  if (s.charCodeAt(at) === 46) {
    const m1 = d2(s, at + 1);
    const m3 = s.charCodeAt(at + 3) - ZERO;
    if (m1 < 0 || m3 < 0 || m3 > 9) return null;
    ms = m1 * 10 + m3;
    at += 4;
  }
  let offsetMin = 0;
  const zone = s.charCodeAt(at);
  if (zone === 90) {
    // 'Z'
    if (at + 1 !== len) return null;
  } else if (zone === 43 || zone === 45) {
    // '+' or '-'
    if (at + 6 !== len || s.charCodeAt(at + 3) !== 58) return null;
    const oh = d2(s, at + 1);
    const om = d2(s, at + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return null;
    offsetMin = (oh * 60 + om) * (zone === 45 ? -1 : 1);
  } else {
    return null;
  }
  return (days * 86_400 + h * 3600 + mi * 60 + sec) * 1000 + ms - offsetMin * 60_000;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm); cheaper than Date.UTC. */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
