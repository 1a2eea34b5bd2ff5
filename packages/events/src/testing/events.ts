/**
 * Test support (`@hourglass/events/testing`, for tests only): fast-check arbitraries of events the
 * ingest must accept from platform cvto at NOW, every type and every optional part, timestamps in
 * several offsets.
 */
import fc from 'fast-check';
import { IDENTIFIER, LEARNER_GROUPS, OCCUPATION, REGION } from '../patterns';

/** The receipt time the arbitraries' events are valid at. */
export const NOW = Date.UTC(2026, 2, 1, 12);

export const ident = fc.stringMatching(IDENTIFIER);
const time = fc
  .integer({ min: NOW - 7 * 86_400_000 + 1000, max: NOW + 30_000 })
  .chain((ms) =>
    fc.constantFrom(
      new Date(ms).toISOString(),
      new Date(ms).toISOString().replace('Z', '+00:00'),
      new Date(ms + 8 * 3_600_000).toISOString().replace('Z', '+08:00'),
      new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ),
  );
const envelope = { id: ident, time, platformId: fc.constant('cvto'), learnerId: ident, sessionId: ident };
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const ext = opt(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }));

export const validEvents = fc.oneof(
  fc.record({
    ...envelope,
    ext,
    type: fc.constant('session.start'),
    courseId: ident,
    deviceId: ident,
    occupation: opt(fc.stringMatching(OCCUPATION)),
    region: opt(fc.stringMatching(REGION)),
    learnerGroup: opt(fc.constantFrom(...LEARNER_GROUPS)),
  }),
  fc.record({
    ...envelope,
    ext,
    type: fc.constant('heartbeat'),
    courseId: ident,
    seq: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    intervalSec: fc.integer({ min: 5, max: 300 }),
    focus: fc.boolean(),
    interactions: fc.integer({ min: 0, max: 100_000 }),
    media: opt(
      fc.record(
        {
          positionSec: fc.double({ min: 0, max: 1e6, noNaN: true }),
          rate: fc.double({ min: 0.25, max: 16, noNaN: true }),
          playing: fc.boolean(),
        },
        { requiredKeys: ['positionSec', 'playing'] },
      ),
    ),
    presence: opt(fc.constantFrom('passed', 'failed')),
  }),
  fc.record({
    ...envelope,
    ext,
    type: fc.constant('session.end'),
    reason: opt(fc.constantFrom('completed', 'exited', 'timeout')),
  }),
  fc.integer({ min: 1, max: 1000 }).chain((questions) =>
    fc.record({
      ...envelope,
      ext,
      type: fc.constant('quiz.submitted'),
      courseId: ident,
      quizId: ident,
      questions: fc.constant(questions),
      correct: fc.integer({ min: 0, max: questions }),
      durationSec: fc.double({ min: 0, max: 1e5, noNaN: true }),
      answersDigest: opt(fc.string({ maxLength: 128 })),
    }),
  ),
  fc.record({
    ...envelope,
    sessionId: opt(ident),
    ext,
    type: fc.constant('certificate.issued'),
    courseId: ident,
    certificateId: ident,
    requiredHours: fc.double({ min: 1e-6, max: 1000, noNaN: true }),
  }),
);
