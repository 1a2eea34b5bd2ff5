import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, heartbeat, post } from './testing';

/**
 * Whatever a platform sends, ingest answers (never a 5xx, never a crash), accounts for every event
 * (accepted + rejected = submitted, matching what landed on the topics), and gives a reason for every
 * rejection.
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

interface Answer {
  accepted: number;
  rejected: number;
  errors: { index: number; id: string | null; errors: { path: string; code: string; message: string }[] }[];
}

async function check(payload: string, type = 'application/json'): Promise<number> {
  const before = { events: await h.count('events'), rejected: await h.count('rejected') };
  const r = await post(h, null, { raw: payload, type });
  expect(r.statusCode).toBeLessThan(500);
  const after = { events: await h.count('events'), rejected: await h.count('rejected') };
  if (r.statusCode !== 200) {
    expect([400, 413]).toContain(r.statusCode);
    expect(r.json().error.code).toEqual(expect.any(String));
    expect(after).toEqual(before);
    return r.statusCode;
  }
  const body = r.json() as Answer;
  expect(body.errors).toHaveLength(body.rejected);
  for (const e of body.errors) {
    expect(e.errors.length).toBeGreaterThan(0);
    for (const reason of e.errors) expect(reason.code).toMatch(/^[a-z_]+$/);
  }
  const indexes = body.errors.map((e) => e.index);
  expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
  expect(after.events - before.events).toBe(body.accepted);
  expect(after.rejected - before.rejected).toBe(body.rejected);
  return 200;
}

const nearlyValid = fc
  .record({
    drop: fc.subarray(['id', 'time', 'seq', 'focus', 'learnerId', 'sessionId']),
    patch: fc.dictionary(
      fc.constantFrom(
        'seq',
        'intervalSec',
        'time',
        'id',
        'ext',
        'media',
        'presence',
        '__proto__',
        'constructor',
      ),
      fc.jsonValue({ maxDepth: 3 }),
      { maxKeys: 2 },
    ),
  })
  .map(({ drop, patch }) => {
    const ev = heartbeat();
    for (const k of drop) delete ev[k];
    // Built as text so "__proto__" stays an own key, as it would arrive from the wire.
    const extra = Object.entries(patch)
      .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
      .join(',');
    const base = JSON.stringify(ev);
    return extra ? `${base.slice(0, -1)}${base.length > 2 ? ',' : ''}${extra}}` : base;
  });

describe('ingest fuzzing', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
    'an event whose type is %s (a property every object has) is rejected with a reason, not a 5xx',
    async (type) => {
      const before = await h.count('rejected');
      const r = await post(h, null, {
        raw: JSON.stringify([{ ...heartbeat(), type }]),
        type: 'application/json',
      });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({
        accepted: 0,
        rejected: 1,
        errors: [{ index: 0, errors: [{ path: 'type', code: 'invalid_value' }] }],
      });
      expect(await h.count('rejected')).toBe(before + 1);
    },
  );

  it('arbitrary JSON values as events', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.jsonValue(), { minLength: 1, maxLength: 30 }), async (values) => {
        expect(await check(JSON.stringify(values))).toBe(200);
      }),
      { numRuns: 150 },
    );
  });

  it('arbitrary JSON bodies (not only arrays)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        await check(JSON.stringify(value));
      }),
      { numRuns: 150 },
    );
  });

  it('nearly valid events, some with __proto__ and constructor keys', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(nearlyValid, { minLength: 1, maxLength: 20 }), async (events) => {
        expect(await check(`[${events.join(',')}]`)).toBe(200);
        expect(await check(events.join('\n'), 'application/x-ndjson')).toBe(200);
        expect(({} as Record<string, unknown>).seq).toBeUndefined();
      }),
      { numRuns: 150 },
    );
  });

  it('arbitrary byte strings as JSON and as NDJSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), async (bytes) => {
        const text = Buffer.from(bytes).toString('latin1');
        await check(text);
        await check(text, 'application/x-ndjson');
        const r = await post(h, null, { raw: Buffer.from(bytes) });
        expect(r.statusCode).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
  });

  it('arbitrary unicode text as NDJSON lines', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: 'grapheme' }), { minLength: 1, maxLength: 20 }),
        async (lines) => {
          await check(lines.join('\n'), 'application/x-ndjson');
        },
      ),
      { numRuns: 100 },
    );
  });

  it('deep nesting (10 000 levels) in every position', async () => {
    const deepArr = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const deepObj = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const ev = JSON.stringify(heartbeat()).slice(0, -1);
    const bodies = [
      `[${deepArr}]`,
      `[${deepObj}]`,
      `[${ev},"ext":{"x":${deepArr}}}]`,
      `[${ev},"ext":${deepObj}}]`,
      `[${ev},"media":${deepObj}}]`,
      `[${ev},"unknown":${deepArr}}]`,
      deepArr,
    ];
    for (const b of bodies) await check(b);
    await check(`${ev},"ext":{"x":${deepArr}}}`, 'application/x-ndjson');
    await check(`${ev},"ext":{"x":${deepArr.slice(0, -1)}}}`, 'application/x-ndjson');
  });

  it('huge strings and keys', async () => {
    const big = 'x'.repeat(900_000);
    const ev = heartbeat();
    await check(JSON.stringify([{ ...ev, id: big }]));
    await check(JSON.stringify([{ ...ev, [big]: 1 }]));
    await check(JSON.stringify([{ ...ev, ext: { a: big } }]));
    await check(JSON.stringify([big]));
    await check(`${JSON.stringify({ ...ev, type: big })}\n${'"'.repeat(100_000)}`, 'application/x-ndjson');
    await check(JSON.stringify(Array.from({ length: 1000 }, () => ({ ...ev, ext: { a: 'y'.repeat(900) } }))));
  });
});
