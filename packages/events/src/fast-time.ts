import { parseTimestamp, utcMs } from './time';

/**
 * parseTimestamp, without regex captures and intermediate arrays for the common shapes
 * (`YYYY-MM-DDTHH:MM:SS[.s{1,3}](Z|±HH:MM)`); anything else goes to parseTimestamp itself. Same result
 * for every input (fast-time.test.ts); ingest parses one or two timestamps per event.
 */
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

export function fastParseTimestamp(s: string): number | null {
  const n = s.length;
  if (n < 20 || n > 29) return parseTimestamp(s);
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84) return parseTimestamp(s);
  if (s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return parseTimestamp(s);
  const yh = d2(s, 0);
  const yl = d2(s, 2);
  const mo = d2(s, 5);
  const d = d2(s, 8);
  const h = d2(s, 11);
  const mi = d2(s, 14);
  const sec = d2(s, 17);
  if (yh < 0 || yl < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0) return parseTimestamp(s);
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    let digits = 0;
    for (i++; i < n && digits < 4; i++, digits++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      ms = ms * 10 + c;
    }
    if (digits === 0 || digits > 3) return parseTimestamp(s);
    ms *= digits === 1 ? 100 : digits === 2 ? 10 : 1;
  }
  let offsetMin = 0;
  const z = s.charCodeAt(i);
  if (z === 90) {
    if (i + 1 !== n) return parseTimestamp(s);
  } else if (z === 43 || z === 45) {
    if (i + 6 !== n || s.charCodeAt(i + 3) !== 58) return parseTimestamp(s);
    const oh = d2(s, i + 1);
    const om = d2(s, i + 4);
    if (oh < 0 || om < 0) return parseTimestamp(s);
    if (oh > 23 || om > 59) return null;
    offsetMin = (oh * 60 + om) * (z === 45 ? -1 : 1);
  } else {
    return parseTimestamp(s);
  }
  const y = yh * 100 + yl;
  if (mo < 1 || mo > 12 || d < 1) return null;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (d > (mo === 2 && leap ? 29 : DAYS[mo - 1]!)) return null;
  if (h > 23 || mi > 59 || sec > 59) return null;
  return utcMs(y, mo - 1, d, h, mi, sec, ms) - offsetMin * 60_000;
}
