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

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = s.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function daysIn(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Returns null whenever the shape is not one of the common four or a field is out of range. */
function parseCommon(s: string): number | null {
  const len = s.length;
  if (len !== 20 && len !== 24 && len !== 25 && len !== 29) return null;
  if (s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':') return null;
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const sec = digits(s, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo)) return null;
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return null;
  let at = 19;
  let ms = 0;
  if (s[at] === '.') {
    ms = digits(s, at + 1, 3);
    if (ms < 0) return null;
    at += 4;
  }
  let offsetMin = 0;
  const zone = s[at];
  if (zone === 'Z') {
    if (at + 1 !== len) return null;
  } else if (zone === '+' || zone === '-') {
    if (at + 6 !== len || s[at + 3] !== ':') return null;
    const oh = digits(s, at + 1, 2);
    const om = digits(s, at + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return null;
    offsetMin = (oh * 60 + om) * (zone === '-' ? -1 : 1);
  } else {
    return null;
  }
  // Date.UTC maps years 0–99 to 1900–1999; leave that oddity to parseTimestamp, which shares it.
  if (y < 100) return null;
  return (daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec) * 1000 + ms - offsetMin * 60_000;
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
