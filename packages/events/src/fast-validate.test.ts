import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FastContext, fastValidate } from './fast-validate';
import { NOW, validEvents } from './testing/events';
import { validateEvent } from './validate';

/**
 * Differential tests: the fast path must never accept what validateEvent rejects, must produce the same
 * accepted event, and should recognize every valid event (else it only costs speed).
 */
const ingestCtx: FastContext = {
  platformId: 'cvto',
  receivedAtMs: NOW,
  receivedAtIso: new Date(NOW).toISOString(),
};

const tricky = fc.oneof(
  fc.constantFrom(
    '2026-02-22T11:59:59.999Z',
    '2026-02-22T12:00:00.000Z',
    '2026-03-01T12:00:30.000Z',
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

/** ext content the fast path deliberately leaves to validateEvent (see extOk). */
/** A heartbeat of platform cvto that ingestCtx accepts (received at 12:00). */
const HEARTBEAT = {
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

function conservative(raw: Record<string, unknown>): boolean {
  const t = JSON.stringify(raw.ext ?? {});
  return t.includes('"__proto__"') || t.includes('"constructor"') || t.includes('\\u');
}

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

/** A copy that keeps an own "__proto__" key (spread defines properties; JSON round trips would drop it). */
const copy = (raw: unknown): unknown =>
  typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? { ...raw } : raw;

function agree(raw: unknown, ctx: FastContext): void {
  // fastValidate stamps its input in place: it gets a copy, validateEvent the original.
  const fast = fastValidate(copy(raw), ctx);
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
        fc.pre(!conservative(raw));
        expect(fastValidate(copy(raw), ingestCtx)).not.toBeNull();
        agree(raw, ingestCtx);
      }),
      { numRuns: 1500 },
    );
  });

  it('never accepts what validateEvent rejects (ingest)', () => {
    fc.assert(
      fc.property(mutated, (raw) => agree(raw, ingestCtx)),
      { numRuns: 4000 },
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
      { numRuns: 1500 },
    );
    const valid = fc
      .tuple(validEvents, fc.constant(new Date(NOW).toISOString()))
      .map(([e, receivedAt]) => ({ ...strip(e), receivedAt }));
    fc.assert(
      fc.property(valid, (raw) => {
        fc.pre(!conservative(raw));
        expect(fastValidate(copy(raw), {})).not.toBeNull();
        agree(raw, {});
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with validateEvent on every single-field change of every type (exhaustive)', () => {
    const base = {
      id: 'e-1',
      time: '2026-03-01T11:59:00.000Z',
      platformId: 'cvto',
      learnerId: 'L1',
      sessionId: 'S1',
      ext: { k: 'v' },
    };
    const full: Record<string, Record<string, unknown>> = {
      'session.start': {
        ...base,
        type: 'session.start',
        courseId: 'C',
        deviceId: 'D',
        occupation: '4-07',
        region: '110101',
        learnerGroup: 'other',
      },
      heartbeat: {
        ...base,
        type: 'heartbeat',
        courseId: 'C',
        seq: 1,
        intervalSec: 30,
        focus: true,
        interactions: 2,
        media: { positionSec: 1, rate: 1, playing: true },
        presence: 'passed',
      },
      'session.end': { ...base, type: 'session.end', reason: 'completed' },
      'quiz.submitted': {
        ...base,
        type: 'quiz.submitted',
        courseId: 'C',
        quizId: 'Q',
        questions: 10,
        correct: 5,
        durationSec: 3,
        answersDigest: 'd',
      },
      'certificate.issued': {
        ...base,
        type: 'certificate.issued',
        courseId: 'C',
        certificateId: 'X',
        requiredHours: 1,
      },
    };
    const values: unknown[] = [
      undefined,
      null,
      true,
      false,
      [],
      {},
      '',
      'x',
      'a b',
      'é',
      'x'.repeat(128),
      'x'.repeat(129),
      'd'.repeat(129),
      'cvto',
      'skillup',
      'CVTO',
      '-a',
      'a'.repeat(64),
      'a'.repeat(65),
      'passed',
      'failed',
      'maybe',
      'completed',
      'exited',
      'timeout',
      'other',
      'graduate',
      'student',
      '110101',
      '11010',
      '4-07_1',
      'X'.repeat(33),
      'heartbeat',
      'session.start',
      'session.end',
      'quiz.submitted',
      'certificate.issued',
      '2026-03-01T12:00:30.000Z',
      '2026-03-01T12:00:30.001Z',
      '2026-02-22T12:00:00.000Z',
      '2026-02-22T11:59:59.999Z',
      '2026-02-30T00:00:00Z',
      '2026-03-01T11:59:00',
      '2026-03-01T11:59:00.0001Z',
      -1,
      -0.5,
      -0,
      0,
      1e-9,
      0.2,
      0.25,
      0.5,
      1,
      1.5,
      4,
      5,
      10,
      11,
      16,
      16.01,
      299,
      300,
      301,
      999,
      1000,
      1000.01,
      1001,
      100_000,
      100_001,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 53,
      1e308,
      { positionSec: 0, playing: false },
      { positionSec: -1, playing: true },
      { positionSec: 1 },
      { playing: true },
      { positionSec: 1, playing: true, rate: 0.24 },
      { positionSec: 1, playing: true, rate: 16.5 },
      { positionSec: 1, playing: 'yes' },
      { positionSec: 1, playing: true, x: 1 },
      { a: 'x'.repeat(2040) },
      { a: 'x'.repeat(2041) },
      JSON.parse('{"__proto__":{"a":1}}'),
      { constructor: { prototype: {} } },
      { constructor: 1 },
    ];
    let accepted = 0;
    for (const [type, ev] of Object.entries(full)) {
      const minimal = Object.fromEntries(
        Object.entries(ev).filter(
          ([k]) =>
            ![
              'ext',
              'occupation',
              'region',
              'learnerGroup',
              'media',
              'presence',
              'reason',
              'answersDigest',
            ].includes(k),
        ),
      );
      for (const shape of [ev, minimal]) {
        const fields = [...Object.keys(full[type]!), 'receivedAt', 'extra', 'deviceId', 'quizId'];
        for (const field of fields) {
          for (const value of values) {
            const raw: Record<string, unknown> = { ...shape };
            if (value === undefined) delete raw[field];
            else raw[field] = value;
            const ctxs: [unknown, FastContext][] = [
              [raw, ingestCtx],
              [{ ...raw, receivedAt: '2026-03-01T12:00:00+08:00' }, {}],
            ];
            for (const [r, c] of ctxs) {
              agree(r, c);
              if (fastValidate(copy(r), c) !== null) accepted++;
            }
          }
        }
      }
    }
    expect(accepted).toBeGreaterThan(500);
  });

  it('leaves special cases to validateEvent', () => {
    const hb = { ...HEARTBEAT };
    expect(fastValidate({ ...hb }, ingestCtx)).not.toBeNull();
    expect(hb).not.toHaveProperty('receivedAt');
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
    expect(fastValidate({ ...hb }, {})).toBeNull();
  });

  it('leaves an ext of at most 2048 characters but more than 2048 UTF-8 bytes to validateEvent (too_big)', () => {
    const hb = { ...HEARTBEAT };
    // {"a":"工…"}: 1009 characters, 3009 bytes.
    const raw = { ...hb, ext: { a: '工'.repeat(1000) } };
    expect(fastValidate({ ...raw }, ingestCtx)).toBeNull();
    const slow = validateEvent(raw, { platformId: 'cvto', receivedAtMs: NOW });
    expect(slow.ok ? [] : slow.errors.map((e) => `${e.path} ${e.code}`)).toEqual(['heartbeat.ext too_big']);
  });

  it.each([
    ['time after 2105-12-30', '2105-12-30T00:00:30Z', '2105-12-30T00:00:00Z', 'heartbeat.time'],
    [
      'receivedAt after 2105-12-30',
      '2105-12-29T23:59:50Z',
      '2105-12-30T00:00:00.001Z',
      'heartbeat.receivedAt',
    ],
    ['time before 1970-01-02', '1970-01-01T23:59:59.999Z', '1970-01-02T00:00:10Z', 'heartbeat.time'],
    [
      'receivedAt before 1970-01-02',
      '1970-01-01T23:59:50Z',
      '1970-01-01T23:59:59.999Z',
      'heartbeat.receivedAt',
    ],
  ])(
    'leaves a replayed event with %s to validateEvent (time_out_of_range)',
    (_what, time, receivedAt, path) => {
      const raw = { ...HEARTBEAT, time, receivedAt };
      expect(fastValidate({ ...raw }, {})).toBeNull();
      const slow = validateEvent(raw, {});
      expect(slow.ok ? [] : slow.errors.filter((e) => e.path === path).map((e) => e.code)).toEqual([
        'time_out_of_range',
      ]);
    },
  );

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'answers "not sure" for type %s, a property every object has, instead of throwing',
    (type) => {
      expect(
        fastValidate({ id: 'e', type, platformId: 'cvto', learnerId: 'l', sessionId: 's' }, ingestCtx),
      ).toBeNull();
    },
  );
});
