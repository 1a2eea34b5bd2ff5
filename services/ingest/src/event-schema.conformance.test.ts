import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, post } from './testing';

// ajv is Fastify's own validator; it is reached through Fastify's dependencies (no new package).
const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
const fromCompiler = createRequire(fromFastify.resolve('@fastify/ajv-compiler'));
// biome-ignore lint/suspicious/noExplicitAny: untyped require of a transitive dependency
const Ajv2020 = (fromCompiler('ajv/dist/2020') as any).default;

const schemas = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'schemas');
const ajv = new Ajv2020({ strict: false, allErrors: true });
const TYPES = ['session.start', 'heartbeat', 'session.end', 'quiz.submitted', 'certificate.issued'] as const;
const validators = Object.fromEntries(
  TYPES.map((t) => [
    t,
    ajv.compile(JSON.parse(readFileSync(join(schemas, `event.${t}.schema.json`), 'utf8'))),
  ]),
);

const properties: Record<string, Record<string, { description?: string }>> = Object.fromEntries(
  TYPES.map((t) => [
    t,
    (
      JSON.parse(readFileSync(join(schemas, `event.${t}.schema.json`), 'utf8')) as {
        properties: Record<string, { description?: string }>;
      }
    ).properties,
  ]),
);

const envelope = {
  time: '2026-03-01T11:59:00.000Z',
  platformId: 'cvto',
  learnerId: 'L1',
  sessionId: 'S1',
};
const BASE: Record<(typeof TYPES)[number], Record<string, unknown>> = {
  'session.start': { ...envelope, type: 'session.start', courseId: 'C1', deviceId: 'D1' },
  heartbeat: {
    ...envelope,
    type: 'heartbeat',
    courseId: 'C1',
    seq: 1,
    intervalSec: 30,
    focus: true,
    interactions: 3,
  },
  'session.end': { ...envelope, type: 'session.end' },
  'quiz.submitted': {
    ...envelope,
    type: 'quiz.submitted',
    courseId: 'C1',
    quizId: 'Q1',
    questions: 10,
    correct: 5,
    durationSec: 60,
  },
  'certificate.issued': {
    ...envelope,
    type: 'certificate.issued',
    courseId: 'C1',
    certificateId: 'Z1',
    requiredHours: 10,
  },
};

const emoji = '\u{1F600}';
const STRINGS = [
  '',
  'a',
  'a'.repeat(32),
  'a'.repeat(33),
  'a'.repeat(64),
  'a'.repeat(65),
  'a'.repeat(128),
  'a'.repeat(129),
  emoji.repeat(64),
  emoji.repeat(65),
  emoji.repeat(128),
  'é',
  '123456',
  '12345',
  '1234567',
  '１２３４５６',
  'a b',
  'A',
  '-a',
  'a\n',
  'migrant_worker',
  'passed',
  'completed',
  'Migrant_worker',
];
const NUMBERS = [
  -1,
  -0.5,
  0,
  0.1,
  0.24,
  0.25,
  1,
  4,
  5,
  5.5,
  16,
  16.01,
  100,
  300,
  301,
  999,
  1000,
  1000.5,
  1001,
  100_000,
  100_001,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 53,
  1e308,
];
const OTHERS: unknown[] = [null, true, false, [], {}, [1], { a: 1 }];

/** Events near every constraint of the schema: each property removed, and set to each probe value; plus extra keys. */
function probes(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const type of TYPES) {
    const base = BASE[type];
    const props = Object.keys(properties[type] ?? {});
    for (const p of props) {
      if (p === 'type' || p === 'time') continue;
      const { [p]: _drop, ...without } = base;
      out.push(without);
      for (const v of [...STRINGS, ...NUMBERS, ...OTHERS]) out.push({ ...base, [p]: v });
    }
    out.push({ ...base, extra: 1 });
    // ext serializes to at most 2048 bytes (SPEC §2): {"k":"…"} is 8 bytes around the value.
    out.push({ ...base, ext: { k: 'x'.repeat(2040) } });
    out.push({ ...base, ext: { k: 'x'.repeat(2041) } });
    out.push({ ...base, receivedAt: '2026-03-01T11:59:00.000Z' });
    if (type === 'heartbeat') {
      for (const media of [
        { positionSec: 0, playing: true },
        { positionSec: 0, playing: true, rate: 0.25 },
        { positionSec: 0, playing: true, rate: 16 },
        { positionSec: 0, playing: true, rate: 0.2 },
        { positionSec: -1, playing: true },
        { positionSec: 0 },
        { playing: true },
        { positionSec: 0, playing: true, speed: 1 },
        { positionSec: 0, playing: 'yes' },
      ])
        out.push({ ...base, media });
    }
  }
  return out.map((e, i) => ({ id: `e${i}`, ...e }));
}

describe('ingest accepts exactly the events the checked-in JSON Schemas accept', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('the JSON Schemas say what ingest checks beyond them: ext at most 2048 bytes serialized, correct at most questions', () => {
    for (const type of TYPES) expect(properties[type]?.ext?.description, type).toMatch(/at most 2048 bytes/);
    expect(properties['quiz.submitted']?.correct?.description).toMatch(/at most questions/);
  });

  it('every probe gets the same verdict from the JSON Schema and from POST /v1/events', async () => {
    const events = probes();
    const disagreements: string[] = [];
    for (let start = 0; start < events.length; start += 1000) {
      const batch = events.slice(start, start + 1000);
      const res = await post(h, batch);
      expect(res.statusCode).toBe(200);
      const body = res.json() as { errors: { index: number; errors: { code: string; path: string }[] }[] };
      const rejected = new Map(body.errors.map((e) => [e.index, e.errors]));
      batch.forEach((event, i) => {
        const validate = validators[String(event.type)];
        const schemaOk = validate !== undefined && validate(event) === true;
        const ingestOk = !rejected.has(i);
        const reasons = rejected.get(i) ?? [];
        // The token's platform is a rule of the request, not of the event: the schema cannot know it.
        const mismatchOnly = reasons.length > 0 && reasons.every((r) => r.code === 'platform_mismatch');
        // A rule JSON Schema cannot express (ext's serialized size, correct ≤ questions) must be said in
        // the description of the field it is about.
        const described =
          reasons.length > 0 &&
          reasons.every((r) => {
            const field = r.path.slice(String(event.type).length + 1).split('.')[0] ?? '';
            return typeof properties[String(event.type)]?.[field]?.description === 'string';
          });
        if (schemaOk !== ingestOk && !mismatchOnly && !described) {
          disagreements.push(
            `${JSON.stringify(event).slice(0, 300)}: schema ${schemaOk ? 'accepts' : 'rejects'}, ingest ${
              ingestOk ? 'accepts' : `rejects (${JSON.stringify(rejected.get(i))})`
            }`,
          );
        }
      });
    }
    expect(disagreements).toEqual([]);
  });
});
