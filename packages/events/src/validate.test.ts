import { describe, expect, it } from 'vitest';
import { EXT_MAX_BYTES } from './schemas';
import { knownEventType, MAX_AGE_MS, MAX_FUTURE_MS, validateEvent } from './validate';

// Receipt instant of every ingest-style case: 2026-03-01T12:00:00.000Z.
const NOW = Date.UTC(2026, 2, 1, 12);
const T = '2026-03-01T11:59:00.000Z';
const ctx = { platformId: 'cvto', receivedAtMs: NOW };

const envelope = { id: 'e-1', time: T, platformId: 'cvto', learnerId: 'L1', sessionId: 'S1' };
const valid = {
  'session.start': { ...envelope, type: 'session.start', courseId: 'C1', deviceId: 'D1' },
  heartbeat: {
    ...envelope,
    type: 'heartbeat',
    courseId: 'C1',
    seq: 1,
    intervalSec: 30,
    focus: true,
    interactions: 0,
  },
  'session.end': { ...envelope, type: 'session.end' },
  'quiz.submitted': {
    ...envelope,
    type: 'quiz.submitted',
    courseId: 'C1',
    quizId: 'Q1',
    questions: 10,
    correct: 10,
    durationSec: 0,
  },
  'certificate.issued': {
    ...envelope,
    type: 'certificate.issued',
    courseId: 'C1',
    certificateId: 'CERT-1',
    requiredHours: 12.5,
  },
} as const;
type Type = keyof typeof valid;

function ev(type: Type, patch: Record<string, unknown> = {}, drop: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = { ...valid[type], ...patch };
  for (const k of drop) delete out[k];
  return out;
}

function accepts(raw: unknown, c: Parameters<typeof validateEvent>[1] = ctx) {
  const r = validateEvent(raw, c);
  if (!r.ok) throw new Error(`expected acceptance, got ${JSON.stringify(r.errors)}`);
  return r;
}

function rejects(raw: unknown, code: string, path?: string, c: Parameters<typeof validateEvent>[1] = ctx) {
  const r = validateEvent(raw, c);
  if (r.ok) throw new Error(`expected rejection ${code}`);
  expect(r.errors.length).toBeGreaterThan(0);
  const hit = r.errors.find((e) => e.code === code && (path === undefined || e.path === path));
  if (!hit) throw new Error(`expected ${code} at ${path}, got ${JSON.stringify(r.errors)}`);
  expect(hit.message.length).toBeGreaterThan(0);
  return r;
}

describe('validateEvent: every type', () => {
  it.each(Object.keys(valid) as Type[])('accepts a minimal %s and stamps receivedAt', (type) => {
    const r = accepts(ev(type));
    expect(r.event.receivedAt).toBe('2026-03-01T12:00:00.000Z');
    expect(r.receivedAtMs).toBe(NOW);
    expect(r.timeMs).toBe(NOW - 60_000);
    expect(r.event.type).toBe(type);
  });

  it.each(Object.keys(valid) as Type[])('rejects an unknown top-level key on %s', (type) => {
    rejects(ev(type, { foo: 1 }), 'unrecognized_key', `${type}.foo`);
  });

  it('rejects non-objects, unknown and missing types, reporting the id when readable', () => {
    for (const raw of [null, 1, 'x', [], true]) rejects(raw, 'invalid_type', '');
    expect(rejects(ev('heartbeat', { type: 'heartbeat.v2' }), 'invalid_value', 'type').id).toBe('e-1');
    expect(rejects(ev('heartbeat', {}, ['type']), 'invalid_type', 'type').id).toBe('e-1');
    expect(rejects(ev('heartbeat', { type: 7, id: 7 }), 'invalid_value', 'type').id).toBeNull();
  });

  it('reports the id of a rejected event only when it is at most 128 characters long', () => {
    expect(rejects(ev('heartbeat', { id: 'x'.repeat(128), seq: -1 }), 'too_small', 'heartbeat.seq').id).toBe(
      'x'.repeat(128),
    );
    expect(rejects(ev('heartbeat', { id: 'a b' }), 'invalid_format', 'heartbeat.id').id).toBe('a b');
    expect(rejects(ev('heartbeat', { id: 'x'.repeat(129) }), 'invalid_format', 'heartbeat.id').id).toBeNull();
    expect(
      rejects(ev('heartbeat', { id: 'x'.repeat(1_000_000) }), 'invalid_format', 'heartbeat.id').id,
    ).toBeNull();
  });

  it('reports all reasons, not only the first', () => {
    const r = validateEvent(ev('heartbeat', { seq: -1, intervalSec: 1, extra: true }), ctx);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors.map((e) => e.path).sort()).toEqual([
        'heartbeat.extra',
        'heartbeat.intervalSec',
        'heartbeat.seq',
      ]);
  });
});

describe('validateEvent: envelope', () => {
  const fields = ['id', 'learnerId', 'sessionId'] as const;
  it.each(fields)('%s is required and matches ^[A-Za-z0-9._:-]{1,128}$', (field) => {
    accepts(ev('heartbeat', { [field]: 'aZ09._:-' }));
    accepts(ev('heartbeat', { [field]: 'x'.repeat(128) }));
    rejects(ev('heartbeat', { [field]: 'x'.repeat(129) }), 'invalid_format', `heartbeat.${field}`);
    rejects(ev('heartbeat', { [field]: '' }), 'invalid_format', `heartbeat.${field}`);
    rejects(ev('heartbeat', { [field]: 'a b' }), 'invalid_format', `heartbeat.${field}`);
    rejects(ev('heartbeat', { [field]: 'a/b' }), 'invalid_format', `heartbeat.${field}`);
    rejects(ev('heartbeat', { [field]: 'lé' }), 'invalid_format', `heartbeat.${field}`);
    rejects(ev('heartbeat', { [field]: 42 }), 'invalid_type', `heartbeat.${field}`);
    rejects(ev('heartbeat', {}, [field]), 'invalid_type', `heartbeat.${field}`);
  });

  it('platformId matches ^[a-z0-9][a-z0-9-]{0,63}$', () => {
    const replay = {};
    const at = { receivedAt: '2026-03-01T12:00:00Z' };
    accepts(ev('heartbeat', { platformId: '0-a', ...at }), replay);
    accepts(ev('heartbeat', { platformId: `a${'b'.repeat(63)}`, ...at }), replay);
    rejects(
      ev('heartbeat', { platformId: `a${'b'.repeat(64)}`, ...at }),
      'invalid_format',
      'heartbeat.platformId',
      replay,
    );
    rejects(ev('heartbeat', { platformId: 'Cvto', ...at }), 'invalid_format', 'heartbeat.platformId', replay);
    rejects(
      ev('heartbeat', { platformId: '-cvto', ...at }),
      'invalid_format',
      'heartbeat.platformId',
      replay,
    );
    rejects(
      ev('heartbeat', { platformId: 'cv_to', ...at }),
      'invalid_format',
      'heartbeat.platformId',
      replay,
    );
    rejects(ev('heartbeat', { ...at }, ['platformId']), 'invalid_type', 'heartbeat.platformId', replay);
  });

  it('platformId must equal the platform of the token', () => {
    rejects(ev('heartbeat', { platformId: 'skillup' }), 'platform_mismatch', 'heartbeat.platformId');
  });

  it('sessionId is required except on certificate.issued', () => {
    for (const type of ['session.start', 'heartbeat', 'session.end', 'quiz.submitted'] as Type[]) {
      rejects(ev(type, {}, ['sessionId']), 'invalid_type', `${type}.sessionId`);
    }
    accepts(ev('certificate.issued', {}, ['sessionId']));
  });

  it('ext is an optional object of at most 2 KiB serialized', () => {
    accepts(ev('heartbeat', { ext: {} }));
    accepts(ev('heartbeat', { ext: { k: 'x'.repeat(EXT_MAX_BYTES - 8) } })); // {"k":"…"} = 2048 bytes
    rejects(ev('heartbeat', { ext: { k: 'x'.repeat(EXT_MAX_BYTES - 7) } }), 'too_big', 'heartbeat.ext');
    // Bytes, not characters: 1000 three-byte characters are 3000 bytes.
    rejects(ev('heartbeat', { ext: { k: '工'.repeat(1000) } }), 'too_big', 'heartbeat.ext');
    rejects(ev('heartbeat', { ext: [] }), 'invalid_type', 'heartbeat.ext');
    rejects(ev('heartbeat', { ext: 'x' }), 'invalid_type', 'heartbeat.ext');
  });

  it('ext nested deeper than JSON.stringify can recurse is rejected, not a crash', () => {
    let deep = '1';
    for (let i = 0; i < 20_000; i++) deep = `[${deep}]`;
    const raw = JSON.parse(`{"ext":{"a":${deep}}}`) as { ext: unknown };
    rejects(ev('heartbeat', { ext: raw.ext }), 'too_big', 'heartbeat.ext');
  });

  it('ext must not carry __proto__ or constructor.prototype keys', () => {
    const raw = JSON.parse(
      '{"a":{"__proto__":{"polluted":1}},"b":[{"constructor":{"prototype":{}}}]}',
    ) as unknown;
    const r = rejects(ev('heartbeat', { ext: raw }), 'forbidden_key', 'heartbeat.ext.a.__proto__');
    expect(r.errors.map((e) => e.path)).toContain('heartbeat.ext.b.0.constructor.prototype');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    accepts(ev('heartbeat', { ext: { constructor: 'fine', proto: 1 } }));
  });
});

describe('validateEvent: timestamps', () => {
  it.each([
    '2026-03-01T11:59:00Z',
    '2026-03-01T11:59:00.1Z',
    '2026-03-01T11:59:00.12Z',
    '2026-03-01T11:59:00.123Z',
    '2026-03-01T19:59:00+08:00',
    '2026-03-01T06:29:00-05:30',
    '2026-03-01T11:59:00+00:00',
  ])('accepts %s', (time) => {
    expect(accepts(ev('heartbeat', { time })).timeMs).toBe(Date.parse(time));
  });

  it.each([
    ['no offset', '2026-03-01T11:59:00'],
    ['more than millisecond precision', '2026-03-01T11:59:00.1234Z'],
    ['February 30', '2026-02-30T11:59:00Z'],
    ['February 29 of a common year', '2026-02-29T11:59:00Z'],
    ['hour 24', '2026-03-01T24:00:00Z'],
    ['second 60', '2026-03-01T11:59:60Z'],
    ['offset hour 24', '2026-03-01T11:59:00+24:00'],
    ['offset without colon', '2026-03-01T11:59:00+0800'],
    ['a space instead of T', '2026-03-01 11:59:00Z'],
    ['a date only', '2026-03-01'],
    ['epoch milliseconds', NOW],
    ['an empty string', ''],
    ['minute 60', '2026-03-01T11:60:00Z'],
    ['offset minute 60', '2026-03-01T11:59:00+08:60'],
    ['a lowercase z (SPEC §2: Z or ±hh:mm)', '2026-03-01T11:59:00z'],
  ])('rejects %s', (_what, time) => {
    const code = typeof time === 'number' ? 'invalid_type' : 'invalid_timestamp';
    rejects(ev('heartbeat', { time }), code, 'heartbeat.time');
  });

  it('accepts February 29 of a leap year', () => {
    const c = { platformId: 'cvto', receivedAtMs: Date.UTC(2028, 1, 29, 12) };
    accepts(ev('heartbeat', { time: '2028-02-29T11:00:00Z' }), c);
  });

  it('rejects February 29 of 2100 (divisible by 100, not by 400) and accepts it in 2000', () => {
    const replay = {};
    rejects(
      ev('heartbeat', { time: '2100-02-29T12:00:00Z', receivedAt: '2100-03-01T12:00:00Z' }),
      'invalid_timestamp',
      'heartbeat.time',
      replay,
    );
    rejects(
      ev('heartbeat', { time: '2100-02-28T12:00:00Z', receivedAt: '2100-02-29T12:00:00Z' }),
      'invalid_timestamp',
      'heartbeat.receivedAt',
      replay,
    );
    accepts(ev('heartbeat', { time: '2000-02-29T12:00:00Z', receivedAt: '2000-03-01T12:00:00Z' }), replay);
  });

  it('time may be up to 30 s after receipt, not 30.001 s', () => {
    accepts(ev('heartbeat', { time: '2026-03-01T12:00:30.000Z' }));
    accepts(ev('heartbeat', { time: '2026-03-01T20:00:30.000+08:00' }));
    rejects(ev('heartbeat', { time: '2026-03-01T12:00:30.001Z' }), 'time_in_future', 'heartbeat.time');
    expect(MAX_FUTURE_MS).toBe(30_000);
  });

  it('time may be up to 7 days before receipt, not 7 days and 1 ms', () => {
    accepts(ev('heartbeat', { time: '2026-02-22T12:00:00.000Z' }));
    rejects(ev('heartbeat', { time: '2026-02-22T11:59:59.999Z' }), 'time_too_old', 'heartbeat.time');
    expect(MAX_AGE_MS).toBe(7 * 86_400_000);
  });
});

describe('validateEvent: replay (receivedAt carried by the event)', () => {
  const replay = {};
  it('accepts an event of any platform with its own receivedAt, kept verbatim', () => {
    const r = accepts(
      ev('heartbeat', { platformId: 'skillup', receivedAt: '2026-03-01T20:00:00+08:00' }),
      replay,
    );
    expect(r.event.receivedAt).toBe('2026-03-01T20:00:00+08:00');
    expect(r.receivedAtMs).toBe(NOW);
    expect(r.event.platformId).toBe('skillup');
  });

  it('requires a valid receivedAt', () => {
    rejects(ev('heartbeat'), 'invalid_type', 'heartbeat.receivedAt', replay);
    rejects(
      ev('heartbeat', { receivedAt: '2026-02-30T00:00:00Z' }),
      'invalid_timestamp',
      'heartbeat.receivedAt',
      replay,
    );
    rejects(ev('heartbeat', { receivedAt: 5 }), 'invalid_type', 'heartbeat.receivedAt', replay);
  });

  it('checks time against receivedAt, not the server clock', () => {
    accepts(ev('heartbeat', { time: '2020-01-01T00:00:30Z', receivedAt: '2020-01-01T00:00:00Z' }), replay);
    rejects(
      ev('heartbeat', { time: '2020-01-01T00:00:30.001Z', receivedAt: '2020-01-01T00:00:00Z' }),
      'time_in_future',
      'heartbeat.time',
      replay,
    );
    rejects(
      ev('heartbeat', { time: '2019-12-24T23:59:59.999Z', receivedAt: '2020-01-01T00:00:00Z' }),
      'time_too_old',
      'heartbeat.time',
      replay,
    );
  });

  it('a replayed time or receivedAt outside 1970-01-02 .. 2105-12-30 (what the warehouse stores) is time_out_of_range', () => {
    accepts(ev('heartbeat', { time: '1970-01-02T00:00:00Z', receivedAt: '1970-01-02T00:00:10Z' }), replay);
    rejects(
      ev('heartbeat', { time: '1970-01-01T23:59:59.999Z', receivedAt: '1970-01-02T00:00:10Z' }),
      'time_out_of_range',
      'heartbeat.time',
      replay,
    );
    accepts(ev('heartbeat', { time: '2105-12-29T23:59:50Z', receivedAt: '2105-12-30T00:00:00Z' }), replay);
    rejects(
      ev('heartbeat', { time: '2105-12-29T23:59:50Z', receivedAt: '2105-12-30T00:00:00.001Z' }),
      'time_out_of_range',
      'heartbeat.receivedAt',
      replay,
    );
    // A typo in the year of an archive: both fields, not a credit refused downstream.
    const r = validateEvent(
      ev('heartbeat', { time: '0202-03-01T08:00:00Z', receivedAt: '0202-03-01T08:00:01Z' }),
      {},
    );
    expect(r.ok ? [] : r.errors.map((e) => `${e.path} ${e.code}`)).toEqual([
      'heartbeat.receivedAt time_out_of_range',
      'heartbeat.time time_out_of_range',
    ]);
  });

  it('an ingest event may not carry receivedAt', () => {
    rejects(
      ev('heartbeat', { receivedAt: '2026-03-01T12:00:00Z' }),
      'unrecognized_key',
      'heartbeat.receivedAt',
    );
  });
});

describe('validateEvent: session.start', () => {
  it.each(['courseId', 'deviceId'])('requires %s', (f) => {
    rejects(ev('session.start', {}, [f]), 'invalid_type', `session.start.${f}`);
    rejects(ev('session.start', { [f]: 'a b' }), 'invalid_format', `session.start.${f}`);
  });

  it('occupation is optional and matches ^[0-9A-Za-z.-]{1,32}$', () => {
    accepts(ev('session.start', { occupation: '4-07-05-01' }));
    accepts(ev('session.start', { occupation: 'X'.repeat(32) }));
    rejects(
      ev('session.start', { occupation: 'X'.repeat(33) }),
      'invalid_format',
      'session.start.occupation',
    );
    rejects(ev('session.start', { occupation: '4_07' }), 'invalid_format', 'session.start.occupation');
    rejects(ev('session.start', { occupation: '' }), 'invalid_format', 'session.start.occupation');
  });

  it('region is optional and six digits', () => {
    accepts(ev('session.start', { region: '110101' }));
    rejects(ev('session.start', { region: '11010' }), 'invalid_format', 'session.start.region');
    rejects(ev('session.start', { region: '1101011' }), 'invalid_format', 'session.start.region');
    rejects(ev('session.start', { region: '11010a' }), 'invalid_format', 'session.start.region');
    rejects(ev('session.start', { region: 110101 }), 'invalid_type', 'session.start.region');
  });

  it('learnerGroup is optional and one of six values', () => {
    for (const g of [
      'migrant_worker',
      'unemployed',
      'graduate',
      'poverty_laborer',
      'enterprise_employee',
      'other',
    ]) {
      accepts(ev('session.start', { learnerGroup: g }));
    }
    rejects(ev('session.start', { learnerGroup: 'student' }), 'invalid_value', 'session.start.learnerGroup');
    rejects(ev('session.start', { learnerGroup: 'unknown' }), 'invalid_value', 'session.start.learnerGroup');
  });
});

describe('validateEvent: heartbeat', () => {
  it.each(['courseId', 'seq', 'intervalSec', 'focus', 'interactions'])('requires %s', (f) => {
    rejects(ev('heartbeat', {}, [f]), 'invalid_type', `heartbeat.${f}`);
  });

  it('seq is an integer 0..2^31-1', () => {
    accepts(ev('heartbeat', { seq: 0 }));
    accepts(ev('heartbeat', { seq: 2 ** 31 - 1 }));
    rejects(ev('heartbeat', { seq: -1 }), 'too_small', 'heartbeat.seq');
    rejects(ev('heartbeat', { seq: 2 ** 31 }), 'too_big', 'heartbeat.seq');
    rejects(ev('heartbeat', { seq: 1.5 }), 'invalid_type', 'heartbeat.seq');
    rejects(ev('heartbeat', { seq: '1' }), 'invalid_type', 'heartbeat.seq');
  });

  it('intervalSec is an integer 5..300', () => {
    accepts(ev('heartbeat', { intervalSec: 5 }));
    accepts(ev('heartbeat', { intervalSec: 300 }));
    rejects(ev('heartbeat', { intervalSec: 4 }), 'too_small', 'heartbeat.intervalSec');
    rejects(ev('heartbeat', { intervalSec: 301 }), 'too_big', 'heartbeat.intervalSec');
    rejects(ev('heartbeat', { intervalSec: 30.5 }), 'invalid_type', 'heartbeat.intervalSec');
  });

  it('focus is a boolean', () => {
    accepts(ev('heartbeat', { focus: false }));
    rejects(ev('heartbeat', { focus: 'true' }), 'invalid_type', 'heartbeat.focus');
    rejects(ev('heartbeat', { focus: 1 }), 'invalid_type', 'heartbeat.focus');
  });

  it('interactions is an integer 0..100000', () => {
    accepts(ev('heartbeat', { interactions: 100_000 }));
    rejects(ev('heartbeat', { interactions: 100_001 }), 'too_big', 'heartbeat.interactions');
    rejects(ev('heartbeat', { interactions: -1 }), 'too_small', 'heartbeat.interactions');
  });

  it('media is optional: positionSec ≥ 0, rate 0.25..16 (optional), playing boolean', () => {
    accepts(ev('heartbeat', { media: { positionSec: 0, playing: false } }));
    accepts(ev('heartbeat', { media: { positionSec: 12.5, rate: 0.25, playing: true } }));
    accepts(ev('heartbeat', { media: { positionSec: 12.5, rate: 16, playing: true } }));
    rejects(
      ev('heartbeat', { media: { positionSec: -0.1, playing: true } }),
      'too_small',
      'heartbeat.media.positionSec',
    );
    rejects(
      ev('heartbeat', { media: { positionSec: 1, rate: 0.2, playing: true } }),
      'too_small',
      'heartbeat.media.rate',
    );
    rejects(
      ev('heartbeat', { media: { positionSec: 1, rate: 16.5, playing: true } }),
      'too_big',
      'heartbeat.media.rate',
    );
    rejects(ev('heartbeat', { media: { positionSec: 1 } }), 'invalid_type', 'heartbeat.media.playing');
    rejects(
      ev('heartbeat', { media: { positionSec: 1, playing: true, x: 1 } }),
      'unrecognized_key',
      'heartbeat.media.x',
    );
    rejects(ev('heartbeat', { media: null }), 'invalid_type', 'heartbeat.media');
  });

  it('presence is optional: passed or failed', () => {
    accepts(ev('heartbeat', { presence: 'passed' }));
    accepts(ev('heartbeat', { presence: 'failed' }));
    rejects(ev('heartbeat', { presence: 'skipped' }), 'invalid_value', 'heartbeat.presence');
  });
});

describe('validateEvent: session.end', () => {
  it('reason is optional: completed, exited or timeout', () => {
    for (const reason of ['completed', 'exited', 'timeout']) accepts(ev('session.end', { reason }));
    rejects(ev('session.end', { reason: 'crashed' }), 'invalid_value', 'session.end.reason');
  });

  it('has no courseId', () => {
    rejects(ev('session.end', { courseId: 'C1' }), 'unrecognized_key', 'session.end.courseId');
  });
});

describe('validateEvent: quiz.submitted', () => {
  it.each(['courseId', 'quizId', 'questions', 'correct', 'durationSec'])('requires %s', (f) => {
    rejects(ev('quiz.submitted', {}, [f]), 'invalid_type', `quiz.submitted.${f}`);
  });

  it('questions is an integer 1..1000', () => {
    accepts(ev('quiz.submitted', { questions: 1, correct: 0 }));
    accepts(ev('quiz.submitted', { questions: 1000, correct: 1000 }));
    rejects(ev('quiz.submitted', { questions: 0, correct: 0 }), 'too_small', 'quiz.submitted.questions');
    rejects(ev('quiz.submitted', { questions: 1001 }), 'too_big', 'quiz.submitted.questions');
  });

  it('correct is an integer 0..questions', () => {
    rejects(ev('quiz.submitted', { questions: 10, correct: 11 }), 'too_big', 'quiz.submitted.correct');
    rejects(ev('quiz.submitted', { correct: -1 }), 'too_small', 'quiz.submitted.correct');
    rejects(ev('quiz.submitted', { correct: 1.5 }), 'invalid_type', 'quiz.submitted.correct');
  });

  it('durationSec is a number ≥ 0; answersDigest at most 128 characters', () => {
    accepts(ev('quiz.submitted', { durationSec: 12.75, answersDigest: 'd'.repeat(128) }));
    rejects(ev('quiz.submitted', { durationSec: -1 }), 'too_small', 'quiz.submitted.durationSec');
    rejects(
      ev('quiz.submitted', { answersDigest: 'd'.repeat(129) }),
      'too_big',
      'quiz.submitted.answersDigest',
    );
  });
});

describe('validateEvent: certificate.issued', () => {
  it.each(['courseId', 'certificateId', 'requiredHours'])('requires %s', (f) => {
    rejects(ev('certificate.issued', {}, [f]), 'invalid_type', `certificate.issued.${f}`);
  });

  it('requiredHours is a number > 0 and ≤ 1000', () => {
    accepts(ev('certificate.issued', { requiredHours: 0.001 }));
    accepts(ev('certificate.issued', { requiredHours: 1000 }));
    rejects(ev('certificate.issued', { requiredHours: 0 }), 'too_small', 'certificate.issued.requiredHours');
    rejects(
      ev('certificate.issued', { requiredHours: 1000.5 }),
      'too_big',
      'certificate.issued.requiredHours',
    );
  });

  it('certificateId is an identifier', () => {
    rejects(
      ev('certificate.issued', { certificateId: 'a b' }),
      'invalid_format',
      'certificate.issued.certificateId',
    );
  });
});

describe('knownEventType: the type a raw value names, for bounded metric labels', () => {
  it.each([
    [{ type: 'heartbeat', seq: 'anything else may be wrong' }, 'heartbeat'],
    [{ type: 'certificate.issued' }, 'certificate.issued'],
    [{ type: 'heartbeat.v2' }, undefined],
    [{ type: '__proto__' }, undefined],
    [{ type: 'constructor' }, undefined],
    [{ type: 7 }, undefined],
    [{}, undefined],
    [[], undefined],
    [null, undefined],
    ['heartbeat', undefined],
  ])('%j → %s', (raw, type) => {
    expect(knownEventType(raw)).toBe(type);
  });
});
