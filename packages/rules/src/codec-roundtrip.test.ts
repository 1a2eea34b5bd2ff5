import { FLAG_KINDS, LEARNER_GROUPS, UNKNOWN } from '@hourglass/events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deserializeState, STATE_FORMAT, serializeState } from './codec';
import { fingerprint } from './dedupe';
import { StateFormatError } from './errors';
import { runSequence } from './run';
import type { FlagState, LearnerState, SessionState } from './state';
import { eventsArb, PROPERTY_POLICY } from './testing/generators';

// Any string, biased towards the ones the format has to escape: the separator, the escape mark, empty.
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('', '|', '%', '%"x"', 'a|b', UNKNOWN, '≤', '\u0000'),
);
const time = fc.integer({ min: 1_500_000_000_000, max: 2_000_000_000_000 });
const small = fc.integer({ min: 0, max: 2 ** 31 - 1 });

const evidence = fc.record(
  {
    eventId: text,
    atMs: time,
    note: text,
    platformId: text,
    sessionId: text,
    learnerIds: fc.array(text, { maxLength: 4 }),
  },
  { requiredKeys: ['eventId', 'atMs', 'note'] },
);

const flag: fc.Arbitrary<FlagState> = fc.record({
  kind: fc.constantFrom(...FLAG_KINDS),
  firstAtMs: time,
  lastAtMs: time,
  occurrences: small,
  withheldMs: small,
  version: small,
  evidence: fc.array(evidence, { maxLength: 5 }),
});

const session: fc.Arbitrary<SessionState> = fc.record({
  platformId: text,
  sessionId: text,
  begun: fc.boolean(),
  hadStart: fc.boolean(),
  startMs: time,
  lastMs: time,
  lastSeq: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
  intervalSec: fc.integer({ min: 0, max: 300 }),
  activityMs: fc.option(time),
  mediaPosSec: fc.option(fc.double({ min: 0, max: 1e7, noNaN: true })),
  endMs: fc.option(time),
  attributes: fc.record({
    courseId: text,
    deviceId: text,
    occupation: text,
    region: text,
    learnerGroup: fc.constantFrom(...LEARNER_GROUPS, UNKNOWN),
  }),
  sharedDevice: fc.boolean(),
  version: small,
  touchedMs: time,
  flags: fc.array(flag, { maxLength: 3 }),
});

const ring = fc
  .array(fc.string({ maxLength: 6 }), { maxLength: 256 })
  .map((ids) => ids.map((id) => fingerprint('p', id)).join(''));

const state: fc.Arbitrary<LearnerState> = fc.record({
  learnerId: text,
  latestMs: fc.option(time),
  floorMs: fc.option(time),
  seen: ring,
  sessions: fc.array(session, { maxLength: 3 }),
});

describe(`State format ${STATE_FORMAT}`, () => {
  it('property: any state round-trips, whatever its strings contain', () => {
    fc.assert(
      fc.property(state, (s) => {
        const serialized = serializeState(s);
        expect(deserializeState(serialized)).toEqual(s);
        expect(serializeState(deserializeState(serialized))).toBe(serialized);
      }),
      { numRuns: 500 },
    );
  });

  it('property: the states of generated realistic sequences round-trip', () => {
    fc.assert(
      fc.property(eventsArb, (events) => {
        for (const s of runSequence(events, PROPERTY_POLICY).states.values())
          expect(deserializeState(serializeState(s))).toEqual(s);
      }),
      { numRuns: 100 },
    );
  });

  it('property: a truncated state is refused, never misread', () => {
    fc.assert(
      fc.property(state, fc.nat(), (s, cut) => {
        const serialized = serializeState(s);
        // Cuts near the end are the ones a format without an end mark would misread.
        const at =
          cut % 2 === 0
            ? cut % serialized.length
            : serialized.length - 1 - (cut % Math.min(serialized.length, 40));
        expect(() => deserializeState(serialized.slice(0, at))).toThrow(StateFormatError);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses format 1 (JSON), which it no longer reads', () => {
    expect(() => deserializeState('[1,"L1",null,"",[]]')).toThrow(StateFormatError);
  });
});
