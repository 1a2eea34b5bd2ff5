import type { AcceptedEvent, Segment } from '@hourglass/events';
import { createPolicyFor, runSequence } from '@hourglass/rules';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { segmentJson } from './segment-json';

function sessionTraffic(learners: number, beats: number): AcceptedEvent[] {
  const t0 = Date.UTC(2026, 2, 1, 8);
  const iso = (ms: number) => new Date(ms).toISOString();
  const events: AcceptedEvent[] = [];
  for (let l = 0; l < learners; l++) {
    const base = { platformId: `p0${l % 3}`, learnerId: `L${l}`, sessionId: `S${l}` };
    events.push({
      ...base,
      id: `S${l}-s`,
      type: 'session.start',
      time: iso(t0),
      receivedAt: iso(t0 + 500),
      courseId: 'c1',
      deviceId: l % 4 === 0 ? 'shared-device' : `D${l}`,
      occupation: `${l}`,
      region: '110000',
      learnerGroup: 'graduate',
    });
    for (let b = 1; b <= beats; b++) {
      const t = t0 + b * 30_000;
      const idle = l % 2 === 1 && b > 3;
      events.push({
        ...base,
        id: `S${l}-h${b}`,
        type: 'heartbeat',
        time: iso(t),
        receivedAt: iso(l % 3 === 2 ? t + 400_000 : t + 700),
        courseId: 'c1',
        seq: b,
        intervalSec: 30,
        focus: !idle,
        interactions: idle ? 0 : 2,
        media: { positionSec: idle ? 30 : b * 30, rate: 1, playing: !idle },
      });
    }
  }
  return events;
}

describe('segmentJson', () => {
  it('writes exactly what JSON.stringify writes, for the segments the rules make (verified and withheld)', () => {
    const { out } = runSequence(sessionTraffic(8, 40), createPolicyFor());
    const segments = out.flatMap((o) => o.segments);
    expect(segments.some((s) => s.status === 'withheld')).toBe(true);
    expect(segments.some((s) => s.kinds.length > 0 && s.flagIds.length > 0)).toBe(true);
    for (const s of segments) expect(segmentJson(s)).toBe(JSON.stringify(s));
  });

  it('falls back to JSON.stringify for strings that need escaping and for unsafe numbers', () => {
    const [first] = runSequence(sessionTraffic(1, 2), createPolicyFor()).out.flatMap((o) => o.segments);
    const s = first as Segment;
    for (const odd of [
      { ...s, courseId: 'a"b' },
      { ...s, region: 'x\\y' },
      { ...s, deviceId: 'tab\there' },
      { ...s, learnerId: '学员' },
      { ...s, flagIds: ['f"1'] },
      { ...s, startMs: 2 ** 60 },
      { ...s, endMs: 1.5 },
    ]) {
      expect(segmentJson(odd)).toBe(JSON.stringify(odd));
    }
  });

  it('round-trips any segment built in the schema order', () => {
    const text = fc.string({ maxLength: 20 });
    fc.assert(
      fc.property(
        fc.record({
          segmentId: text,
          learnerId: text,
          platformId: text,
          sessionId: text,
          courseId: text,
          deviceId: text,
          occupation: text,
          region: text,
          learnerGroup: text,
          startMs: fc.integer({ min: 0, max: 2 ** 45 }),
          endMs: fc.integer({ min: 0, max: 2 ** 45 }),
          status: fc.constantFrom('verified', 'withheld'),
          kinds: fc.array(fc.constantFrom('idle', 'late', 'concurrent')),
          flagIds: fc.array(text),
          eventId: text,
        }),
        (s) => {
          expect(segmentJson(s as Segment)).toBe(JSON.stringify(s));
        },
      ),
    );
  });
});
