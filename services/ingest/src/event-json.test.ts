import { type AcceptedEvent, fastValidate } from '@hourglass/events';
import { validEvents } from '@hourglass/events/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acceptedEventJson } from './event-json';
import { NOW } from './testing';

/** Valid events of every type as a platform may send them: keys in any order. */
const shuffled = validEvents.chain((e) => {
  const keys = Object.keys(e).filter((k) => (e as Record<string, unknown>)[k] !== undefined);
  return fc
    .shuffledSubarray(keys, { minLength: keys.length })
    .map((order) => Object.fromEntries(order.map((k) => [k, (e as Record<string, unknown>)[k]])));
});

const at = (ms: number) => ({
  platformId: 'cvto',
  receivedAtMs: ms,
  receivedAtIso: new Date(ms).toISOString(),
});
/** Receipt time of the literal events below. */
const RECEIVED = Date.UTC(2026, 10, 29, 8, 0, 0);

const accept = (raw: Record<string, unknown>): AcceptedEvent => {
  const event = fastValidate(raw, at(RECEIVED));
  if (event === null)
    throw new Error(`the generator made an event the fast path does not accept: ${JSON.stringify(raw)}`);
  return event;
};

describe('acceptedEventJson', () => {
  it('prints every accepted event as the same JSON value as JSON.stringify, whatever the key order', () => {
    fc.assert(
      fc.property(shuffled, (raw) => {
        // Events the fast path leaves to validateEvent (some ext contents) are not printed by this path.
        const event = fastValidate(raw, at(NOW));
        fc.pre(event !== null);
        expect(JSON.parse(acceptedEventJson(event))).toStrictEqual(JSON.parse(JSON.stringify(event)));
      }),
      { numRuns: 500 },
    );
  });

  it('is byte for byte JSON.stringify for a heartbeat in the schema order', () => {
    const event = accept({
      id: 'cvto-evt-7-0',
      time: '2026-11-29T07:59:30.309Z',
      platformId: 'cvto',
      learnerId: 'lrn-55433',
      sessionId: 'cvto:sess:333103',
      type: 'heartbeat',
      courseId: 'course-7',
      seq: 7,
      intervalSec: 30,
      focus: true,
      interactions: 7,
      media: { positionSec: 7.5, rate: 1.25, playing: true },
      presence: 'passed',
    });
    expect(acceptedEventJson(event)).toBe(JSON.stringify(event));
    expect(acceptedEventJson(event)).toBe(
      '{"id":"cvto-evt-7-0","time":"2026-11-29T07:59:30.309Z","platformId":"cvto","learnerId":"lrn-55433",' +
        '"sessionId":"cvto:sess:333103","type":"heartbeat","courseId":"course-7","seq":7,"intervalSec":30,' +
        '"focus":true,"interactions":7,"media":{"positionSec":7.5,"rate":1.25,"playing":true},' +
        '"presence":"passed","receivedAt":"2026-11-29T08:00:00.000Z"}',
    );
  });

  it('leaves heartbeats with ext, and every other type, to JSON.stringify', () => {
    const base = {
      id: 'e1',
      time: '2026-11-29T07:59:30Z',
      platformId: 'cvto',
      learnerId: 'L1',
      sessionId: 'S1',
      courseId: 'c1',
    };
    const withExt = accept({
      ...base,
      type: 'heartbeat',
      seq: 1,
      intervalSec: 30,
      focus: false,
      interactions: 0,
      ext: { note: 'quote " and \\ and \n' },
    });
    expect(acceptedEventJson(withExt)).toBe(JSON.stringify(withExt));
    const start = accept({ ...base, type: 'session.start', deviceId: 'd1' });
    expect(acceptedEventJson(start)).toBe(JSON.stringify(start));
  });
});
