import { createDayOf, type Segment } from '@hourglass/events';

/** UTC offsets are whole quarter hours, so a local calendar day never changes inside a UTC quarter. */
const QUARTER_MS = 15 * 60_000;

/**
 * `createDayOf` with a cache per UTC quarter hour: it runs for every inserted segment, and formatting
 * a date costs microseconds where a Map lookup costs nanoseconds.
 */
export function createFastDayOf(timeZone: string): (ms: number) => string {
  const dayOf = createDayOf(timeZone);
  const cache = new Map<number, string>();
  return (ms: number) => {
    const q = Math.floor(ms / QUARTER_MS);
    let day = cache.get(q);
    if (day === undefined) {
      day = dayOf(q * QUARTER_MS);
      if (cache.size > 200_000) cache.clear();
      cache.set(q, day);
    }
    return day;
  };
}

const list = (xs: readonly string[]): string => (xs.length === 0 ? '[]' : `["${xs.join('","')}"]`);

/**
 * One `segments` row as a JSONEachRow line, built by hand: ~3× cheaper than JSON.stringify of an
 * object, and this runs 10 000 times per batch. Only for validated segments: every string field
 * then matches an id/code pattern of SPEC §2 (no quote, backslash or control character), so none
 * needs JSON escaping.
 */
export function segmentJsonLine(s: Segment, day: string): string {
  return `{"segmentId":"${s.segmentId}","day":"${day}","learnerId":"${s.learnerId}","platformId":"${s.platformId}","sessionId":"${s.sessionId}","courseId":"${s.courseId}","deviceId":"${s.deviceId}","occupation":"${s.occupation}","region":"${s.region}","learnerGroup":"${s.learnerGroup}","startMs":${s.startMs},"endMs":${s.endMs},"durationMs":${s.endMs - s.startMs},"status":"${s.status}","multiFlag":${s.flagIds.length > 1 ? 1 : 0},"kinds":${list(s.kinds)},"flagIds":${list(s.flagIds)},"eventId":"${s.eventId}"}\n`;
}

/**
 * The JSONEachRow body of an insert, written line by line into one buffer: half the cost of joining
 * 10 000 strings first. Latin-1 is exact here because validated segments are ASCII throughout.
 */
export function segmentsJsonBody(rows: readonly { s: Segment; day: string }[]): Buffer {
  let buf = Buffer.allocUnsafe(Math.max(1024, rows.length * 512));
  let at = 0;
  for (const { s, day } of rows) {
    const line = segmentJsonLine(s, day);
    if (at + line.length > buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, at + line.length));
      buf.copy(bigger, 0, 0, at);
      buf = bigger;
    }
    at += buf.write(line, at, 'latin1');
  }
  return buf.subarray(0, at);
}
