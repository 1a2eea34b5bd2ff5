import { createDayOf, type Segment } from '@hourglass/events';
import { describe, expect, it } from 'vitest';
import { segment } from '../testing/fixtures';
import { createFastDayOf, SEGMENT_COLUMNS_WRITTEN, segmentsRowBinary } from './segment-rows';

/** A RowBinary reader for the `segments` columns, written independently of the encoder. */
function decode(body: Buffer): Record<string, unknown>[] {
  let at = 0;
  const varUInt = () => {
    let n = 0;
    for (let shift = 0; ; shift += 7) {
      const b = body[at++] as number;
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
    }
  };
  const str = () => {
    const len = varUInt();
    const v = body.toString('utf8', at, at + len);
    at += len;
    return v;
  };
  const i64 = () => {
    const v = body.readBigInt64LE(at);
    at += 8;
    return Number(v);
  };
  const strings = () => Array.from({ length: varUInt() }, str);
  const rows: Record<string, unknown>[] = [];
  while (at < body.length) {
    const row: Record<string, unknown> = {};
    row.segmentId = str();
    row.day = body.readUInt16LE(at);
    at += 2;
    for (const c of ['learnerId', 'platformId', 'sessionId', 'courseId', 'deviceId']) row[c] = str();
    for (const c of ['occupation', 'region', 'learnerGroup']) row[c] = str();
    for (const c of ['startMs', 'endMs', 'durationMs']) row[c] = i64();
    row.status = (body[at++] as number) === 1 ? 'verified' : 'withheld';
    row.multiFlag = body[at++];
    row.kinds = strings();
    row.flagIds = strings();
    row.eventId = str();
    rows.push(row);
  }
  return rows;
}

/** The body of rows given with their day numbers, in array order. */
const body = (rows: readonly { s: Segment; day: { number: number } }[]): Buffer =>
  segmentsRowBinary(
    rows.map((r) => r.s),
    rows.map((r) => r.day.number),
  );

const expected = (s: Segment, day: number) => ({
  segmentId: s.segmentId,
  day,
  learnerId: s.learnerId,
  platformId: s.platformId,
  sessionId: s.sessionId,
  courseId: s.courseId,
  deviceId: s.deviceId,
  occupation: s.occupation,
  region: s.region,
  learnerGroup: s.learnerGroup,
  startMs: s.startMs,
  endMs: s.endMs,
  durationMs: s.endMs - s.startMs,
  status: s.status,
  multiFlag: s.flagIds.length > 1 ? 1 : 0,
  kinds: s.kinds,
  flagIds: s.flagIds,
  eventId: s.eventId,
});

describe('segment rows', () => {
  it('the RowBinary body decodes to the rows, in column order', () => {
    expect(SEGMENT_COLUMNS_WRITTEN.split(', ')).toEqual(
      Object.keys(expected(segment('x', 'S1', '2026-03-01T00:00:00Z', 1), 0)),
    );
    const rows = [
      segment('s1', 'S1', '2026-03-01T01:00:00Z', 30),
      segment('s9', 'S3', '2026-03-02T04:00:00Z', 6, {
        kinds: ['concurrent_session', 'late_report'],
        flagIds: ['f-c', 'f-b'],
      }),
      // Past 127 characters a length takes two varint bytes; times past 2^32 use the high word.
      { ...segment(`s-${'x'.repeat(200)}`, 'S1', '2105-12-29T23:59:59Z', 1), eventId: 'e'.repeat(128) },
    ].map((s, i) => ({ s, day: { text: '-', number: 20_000 + i } }));
    expect(decode(body(rows))).toEqual(rows.map((r) => expected(r.s, r.day.number)));
    expect(body([]).length).toBe(0);
  });

  it('with an order, the body holds the rows it names in that order (a subset too)', () => {
    const rows = Array.from({ length: 40 }, (_, i) =>
      segment(`s-${i}`, i % 3 === 0 ? 'S1' : 'S3', '2026-03-01T01:00:00Z', i + 1),
    );
    const days = rows.map((_, i) => 20_000 + (i % 4));
    for (const order of [[...rows.keys()].reverse(), [5, 3, 39, 0, 17, 16], []]) {
      const got = decode(segmentsRowBinary(rows, days, order));
      expect(got).toEqual(order.map((i) => expected(rows[i] as Segment, days[i] as number)));
    }
  });

  it('reuses the memory it is given, and replaces memory that is too small', () => {
    const rows = Array.from({ length: 30 }, (_, i) => segment(`s-${i}`, 'S1', '2026-03-01T01:00:00Z', i + 1));
    const days = rows.map(() => 20_000);
    const memory = { buf: Buffer.alloc(16) };
    const first = decode(Buffer.from(segmentsRowBinary(rows, days, [2, 1, 0], memory)));
    const grown = memory.buf;
    expect(grown.length).toBeGreaterThan(16);
    const second = decode(segmentsRowBinary(rows, days, [29, 28], memory));
    expect(memory.buf).toBe(grown);
    expect(first).toEqual([2, 1, 0].map((i) => expected(rows[i] as Segment, 20_000)));
    expect(second).toEqual([29, 28].map((i) => expected(rows[i] as Segment, 20_000)));
  });

  it('grows its buffer past the first estimate', () => {
    const rows = Array.from({ length: 60 }, (_, i) => ({
      s: {
        ...segment(`s-${i}-${'x'.repeat(120)}`, 'S1', '2026-03-01T01:00:00Z', i),
        flagIds: Array.from({ length: 5 }, (_, j) => `f-${j}-${'y'.repeat(120)}`),
        status: 'withheld' as const,
        kinds: ['idle' as const],
      },
      day: { text: '-', number: 20_513 },
    }));
    expect(decode(body(rows))).toEqual(rows.map((r) => expected(r.s, r.day.number)));
  });

  it('the cached day agrees with createDayOf around midnight in whole- and part-hour zones', () => {
    for (const tz of ['Asia/Shanghai', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/St_Johns', 'UTC']) {
      const fast = createFastDayOf(tz);
      const slow = createDayOf(tz);
      for (let ms = Date.UTC(2026, 2, 1) - 86_400_000; ms < Date.UTC(2026, 2, 3); ms += 60_000 * 7 + 13) {
        const day = fast(ms);
        expect(day.text).toBe(slow(ms));
        expect(new Date(day.number * 86_400_000).toISOString().slice(0, 10)).toBe(day.text);
      }
    }
  });

  it('agrees with createDayOf where the offset is not whole quarter hours (Africa/Monrovia, UTC−00:44:30 until 1972)', () => {
    const fast = createFastDayOf('Africa/Monrovia');
    const slow = createDayOf('Africa/Monrovia');
    // 00:00:10 local on 1971-06-02 lies inside the UTC quarter 00:30-00:45, which began on 1971-06-01.
    expect(fast(Date.parse('1971-06-02T00:44:40Z')).text).toBe('1971-06-02');
    for (let ms = Date.UTC(1971, 5, 1); ms < Date.UTC(1971, 5, 3); ms += 10_007)
      expect(fast(ms).text).toBe(slow(ms));
  });
});
