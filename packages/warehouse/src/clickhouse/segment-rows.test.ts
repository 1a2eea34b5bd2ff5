import { createDayOf } from '@hourglass/events';
import { describe, expect, it } from 'vitest';
import { segment } from '../testing/fixtures';
import { createFastDayOf, segmentJsonLine, segmentsJsonBody } from './segment-rows';

describe('segment rows', () => {
  it('the hand-built JSON line equals JSON.stringify of the row', () => {
    for (const s of [
      segment('s1', 'S1', '2026-03-01T01:00:00Z', 30),
      segment('s9', 'S3', '2026-03-02T04:00:00Z', 6, {
        kinds: ['concurrent_session', 'late_report'],
        flagIds: ['f-c', 'f-b'],
      }),
    ]) {
      const row = {
        segmentId: s.segmentId,
        day: '2026-03-02',
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
      };
      expect(segmentJsonLine(s, '2026-03-02')).toBe(`${JSON.stringify(row)}\n`);
    }
  });

  it('the body is the lines, in order, also past the first buffer size', () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({
      s: segment(`s-${i}-${'x'.repeat(100)}`, 'S1', '2026-03-01T01:00:00Z', i),
      day: '2026-03-01',
    }));
    expect(segmentsJsonBody(rows).toString('utf8')).toBe(
      rows.map((r) => segmentJsonLine(r.s, r.day)).join(''),
    );
    expect(segmentsJsonBody([]).length).toBe(0);
  });

  it('the cached day agrees with createDayOf around midnight in whole- and part-hour zones', () => {
    for (const tz of ['Asia/Shanghai', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/St_Johns', 'UTC']) {
      const fast = createFastDayOf(tz);
      const slow = createDayOf(tz);
      for (let ms = Date.UTC(2026, 2, 1) - 86_400_000; ms < Date.UTC(2026, 2, 3); ms += 60_000 * 7 + 13) {
        expect(fast(ms)).toBe(slow(ms));
      }
    }
  });
});
