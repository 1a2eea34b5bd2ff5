import type { AcceptedEvent } from '@hourglass/events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acceptedEventJson } from './event-json';
import { fastValidate } from './fast-validate';

const RECEIVED = Date.UTC(2026, 10, 29, 8, 0, 0);
const ident = fc.stringMatching(/^[A-Za-z0-9._:-]{1,40}$/);
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });

/** Heartbeats as a platform may send them: every optional part present or not, keys in any order. */
const heartbeat = fc
  .record(
    {
      id: ident,
      time: fc
        .integer({ min: RECEIVED - 6 * 86_400_000, max: RECEIVED })
        .map((ms) => new Date(ms).toISOString()),
      platformId: fc.constant('cvto'),
      learnerId: ident,
      sessionId: ident,
      type: fc.constant('heartbeat'),
      courseId: ident,
      seq: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      intervalSec: fc.integer({ min: 5, max: 300 }),
      focus: fc.boolean(),
      interactions: fc.integer({ min: 0, max: 100_000 }),
      media: fc.record(
        {
          positionSec: finite.map(Math.abs),
          rate: fc.double({ min: 0.25, max: 16, noNaN: true }),
          playing: fc.boolean(),
        },
        { requiredKeys: ['positionSec', 'playing'] },
      ),
      presence: fc.constantFrom('passed', 'failed'),
    },
    {
      requiredKeys: [
        'id',
        'time',
        'platformId',
        'learnerId',
        'sessionId',
        'type',
        'courseId',
        'seq',
        'intervalSec',
        'focus',
        'interactions',
      ],
    },
  )
  .chain((e) =>
    fc.shuffledSubarray(Object.keys(e), { minLength: Object.keys(e).length }).map((keys) => ({ e, keys })),
  )
  .map(({ e, keys }) => Object.fromEntries(keys.map((k) => [k, (e as Record<string, unknown>)[k]])));

const accept = (raw: Record<string, unknown>): AcceptedEvent => {
  const event = fastValidate(raw, {
    platformId: 'cvto',
    receivedAtMs: RECEIVED,
    receivedAtIso: new Date(RECEIVED).toISOString(),
  });
  if (event === null)
    throw new Error(`the generator made an event the fast path does not accept: ${JSON.stringify(raw)}`);
  return event;
};

describe('acceptedEventJson', () => {
  it('prints every accepted heartbeat as the same JSON value as JSON.stringify, whatever the key order', () => {
    fc.assert(
      fc.property(heartbeat, (raw) => {
        const event = accept(raw);
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
