import { IDENTIFIER, validateEvent } from '@hourglass/events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FastContext, fastValidate } from './fast-validate';

/**
 * Differential tests: the fast path must never accept what validateEvent rejects, must produce the same
 * accepted event, and should recognize every valid event (else it only costs speed).
 */
const NOW = Date.UTC(2026, 2, 1, 12);
const ingestCtx: FastContext = {
  platformId: 'cvto',
  receivedAtMs: NOW,
  receivedAtIso: new Date(NOW).toISOString(),
};

const ident = fc.stringMatching(IDENTIFIER);
const time = fc
  .integer({ min: NOW - 7 * 86_400_000 - 5, max: NOW + 30_005 })
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

const validEvents = fc.oneof(
  fc.record({
    ...envelope,
    ext,
    type: fc.constant('session.start'),
    courseId: ident,
    deviceId: ident,
    occupation: opt(fc.stringMatching(/^[0-9A-Za-z.-]{1,32}$/)),
    region: opt(fc.stringMatching(/^\d{6}$/)),
    learnerGroup: opt(
      fc.constantFrom(
        'migrant_worker',
        'unemployed',
        'graduate',
        'poverty_laborer',
        'enterprise_employee',
        'other',
      ),
    ),
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

const tricky = fc.oneof(
  fc.constantFrom(
    -1,
    -0,
    0,
    0.2,
    0.25,
    0.5,
    1,
    1.5,
    4,
    5,
    16,
    16.5,
    300,
    301,
    1000,
    1000.5,
    100_000,
    100_001,
    2 ** 31 - 1,
    2 ** 31,
    1e308,
    '',
    'a b',
    'x'.repeat(128),
    'x'.repeat(129),
    'cvto',
    'skillup',
    'Cvto',
    'passed',
    'failed',
    'graduate',
    'completed',
    '110101',
    '1101',
    '2026-03-01T12:00:30.001Z',
    '2026-02-30T00:00:00Z',
    '2026-03-01T11:00:00',
    true,
    false,
    null,
    [],
    {},
    { positionSec: 1, playing: true },
    { positionSec: 1, playing: true, extra: 1 },
    { a: 'x'.repeat(3000) },
  ),
  fc.jsonValue({ maxDepth: 2 }),
);
const keys = fc.constantFrom(
  'id',
  'type',
  'time',
  'platformId',
  'learnerId',
  'sessionId',
  'ext',
  'courseId',
  'deviceId',
  'occupation',
  'region',
  'learnerGroup',
  'seq',
  'intervalSec',
  'focus',
  'interactions',
  'media',
  'presence',
  'reason',
  'quizId',
  'questions',
  'correct',
  'durationSec',
  'answersDigest',
  'certificateId',
  'requiredHours',
  'receivedAt',
  'extra',
  '__proto__',
);

function strip(o: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(o)) as Record<string, unknown>;
}

/** A valid event with a few fields replaced, removed or added; built as JSON text so "__proto__" stays an own key. */
const mutated = fc
  .record({
    base: validEvents,
    set: fc.dictionary(keys, tricky, { maxKeys: 3 }),
    drop: fc.subarray(['id', 'time', 'sessionId', 'courseId', 'seq', 'type', 'platformId']),
  })
  .map(({ base, set, drop }) => {
    const o = strip(base);
    for (const k of drop) delete o[k];
    const entries = Object.entries(o)
      .filter(([k]) => !(k in set))
      .concat(Object.entries(set));
    return JSON.parse(
      `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`,
    ) as unknown;
  });

function agree(raw: unknown, ctx: FastContext): void {
  const fast = fastValidate(raw, ctx);
  if (fast === null) return;
  const slow = validateEvent(
    raw,
    ctx.receivedAtMs === undefined ? {} : { platformId: ctx.platformId, receivedAtMs: ctx.receivedAtMs },
  );
  if (!slow.ok)
    throw new Error(
      `fast path accepted what validateEvent rejects: ${JSON.stringify(raw)} ${JSON.stringify(slow.errors)}`,
    );
  expect(fast).toEqual(slow.event);
}

describe('fastValidate', () => {
  it('recognizes every valid event, with the accepted event validateEvent gives', () => {
    fc.assert(
      fc.property(validEvents, (ev) => {
        const raw = strip(ev);
        expect(fastValidate(raw, ingestCtx)).not.toBeNull();
        agree(raw, ingestCtx);
      }),
      { numRuns: 3000 },
    );
  });

  it('never accepts what validateEvent rejects (ingest)', () => {
    fc.assert(
      fc.property(mutated, (raw) => agree(raw, ingestCtx)),
      { numRuns: 20_000 },
    );
  });

  it('never accepts what validateEvent rejects (replay, receivedAt carried by the event)', () => {
    const withReceivedAt = fc
      .tuple(mutated, fc.oneof(fc.constant(undefined), tricky, fc.constant(new Date(NOW).toISOString())))
      .map(([raw, receivedAt]) =>
        typeof raw === 'object' && raw !== null && !Array.isArray(raw) && receivedAt !== undefined
          ? { ...raw, receivedAt }
          : raw,
      );
    fc.assert(
      fc.property(withReceivedAt, (raw) => agree(raw, {})),
      { numRuns: 10_000 },
    );
    const valid = fc
      .tuple(validEvents, fc.constant(new Date(NOW).toISOString()))
      .map(([e, receivedAt]) => ({ ...strip(e), receivedAt }));
    fc.assert(
      fc.property(valid, (raw) => {
        expect(fastValidate(raw, {})).not.toBeNull();
        agree(raw, {});
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves special cases to validateEvent', () => {
    const hb = {
      id: 'e',
      type: 'heartbeat',
      time: '2026-03-01T11:59:00Z',
      platformId: 'cvto',
      learnerId: 'l',
      sessionId: 's',
      courseId: 'c',
      seq: 1,
      intervalSec: 30,
      focus: true,
      interactions: 0,
    };
    expect(fastValidate(hb, ingestCtx)).not.toBeNull();
    expect(fastValidate({ ...hb, platformId: 'skillup' }, ingestCtx)).toBeNull();
    expect(
      fastValidate(JSON.parse(`${JSON.stringify(hb).slice(0, -1)},"__proto__":{}}`), ingestCtx),
    ).toBeNull();
    expect(fastValidate({ ...hb, ext: JSON.parse('{"__proto__":{"x":1}}') }, ingestCtx)).toBeNull();
    expect(fastValidate({ ...hb, ext: { constructor: { prototype: {} } } }, ingestCtx)).toBeNull();
    expect(fastValidate({ ...hb, ext: { a: 'x'.repeat(2041) } }, ingestCtx)).toBeNull();
    expect(fastValidate({ ...hb, ext: { a: 'x'.repeat(2040) } }, ingestCtx)).not.toBeNull();
    expect(fastValidate({ ...hb, time: '2026-03-01T12:00:30.001Z' }, ingestCtx)).toBeNull();
    expect(fastValidate({ ...hb, receivedAt: '2026-03-01T12:00:00Z' }, ingestCtx)).toBeNull();
    expect(fastValidate(hb, {})).toBeNull();
  });
});
