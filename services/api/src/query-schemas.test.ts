import { describe, expect, it } from 'vitest';
import { decisionBodySchema, flagsQuerySchema, hoursQuerySchema, learnerQuerySchema } from './query-schemas';
import { parseBody, parseQuery } from './validate';

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a validation error');
}

const hours = (q: Record<string, unknown>) =>
  parseQuery(hoursQuerySchema, { from: '2026-03-01', to: '2026-03-31', ...q });

describe('stats/hours parameters', () => {
  it('parses groupBy into the canonical order', () => {
    expect(hours({ groupBy: 'learner,day,platform' }).groupBy).toEqual(['day', 'platform', 'learner']);
    expect(hours({ groupBy: '' }).groupBy).toEqual([]);
    expect(hours({}).groupBy).toBeUndefined();
  });

  it('names each unknown or repeated group', () => {
    expect(message(() => hours({ groupBy: 'day,colour' }))).toBe(
      'groupBy: unknown group "colour"; allowed: day, platform, region, occupation, course, learnerGroup, learner',
    );
    expect(message(() => hours({ groupBy: 'platformId' }))).toContain(
      'unknown group "platformId" (did you mean platform?)',
    );
    expect(message(() => hours({ groupBy: 'day,day' }))).toBe('groupBy: group "day" is listed twice');
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'refuses group %s, a property every object has, as unknown',
    (name) => {
      expect(message(() => hours({ groupBy: `day,${name}` }))).toBe(
        `groupBy: unknown group "${name}"; allowed: day, platform, region, occupation, course, learnerGroup, learner`,
      );
    },
  );

  it('rejects bad days, reversed and too long ranges precisely', () => {
    expect(message(() => hours({ from: '2026-02-30' }))).toBe(
      'from: must be a calendar day YYYY-MM-DD, got "2026-02-30"',
    );
    expect(message(() => hours({ to: '2026/03/01' }))).toBe(
      'to: must be a calendar day YYYY-MM-DD, got "2026/03/01"',
    );
    expect(message(() => hours({ from: '2026-03-02', to: '2026-03-01' }))).toBe(
      'from (2026-03-02) is after to (2026-03-01)',
    );
    expect(message(() => hours({ from: '2025-01-01', to: '2026-02-05' }))).toBe(
      'from..to spans 401 days (2025-01-01..2026-02-05); at most 400 are allowed',
    );
    expect(hours({ from: '2025-01-01', to: '2026-02-04' }).to).toBe('2026-02-04');
    expect(message(() => hours({ from: '1969-12-31', to: '1970-01-05' }))).toBe(
      'from: must be a day from 1970-01-02 to 2105-12-30, got "1969-12-31"',
    );
    expect(message(() => parseQuery(hoursQuerySchema, { to: '2026-03-01' }))).toBe('from: is required');
  });

  it('rejects unknown and repeated parameters', () => {
    expect(message(() => hours({ grupBy: 'day' }))).toBe('unknown query parameter "grupBy"');
    expect(message(() => hours({ platformId: ['a', 'b'] }))).toBe('platformId: given more than once');
  });

  it('validates every filter against its pattern', () => {
    expect(message(() => hours({ platformId: "cvto' OR 1=1 --" }))).toBe(
      'platformId: must match ^[a-z0-9][a-z0-9-]{0,63}$',
    );
    expect(message(() => hours({ region: '11010' }))).toContain('region: must be a 6-digit');
    expect(hours({ region: 'unknown' }).region).toBe('unknown');
    expect(message(() => hours({ learnerGroup: 'students' }))).toContain(
      'learnerGroup: must be one of migrant_worker',
    );
    expect(message(() => hours({ courseId: 'c\\1' }))).toBe('courseId: must match ^[A-Za-z0-9._:-]{1,128}$');
    expect(message(() => hours({ learnerId: 'ü' }))).toBe('learnerId: must match ^[A-Za-z0-9._:-]{1,128}$');
    expect(message(() => hours({ occupation: '6-30-01-00 UNION' }))).toBe(
      'occupation: must match ^[0-9A-Za-z.-]{1,32}$',
    );
    expect(message(() => hours({ format: 'xml' }))).toBe('format: must be json or csv, got "xml"');
  });

  it('learner ranges are optional but checked when given', () => {
    expect(parseQuery(learnerQuerySchema, {})).toEqual({});
    expect(message(() => parseQuery(learnerQuerySchema, { from: '2026-03-02', to: '2026-03-01' }))).toBe(
      'from (2026-03-02) is after to (2026-03-01)',
    );
  });
});

describe('flags parameters', () => {
  it('parses limit and checks status, kind and cursor', () => {
    expect(parseQuery(flagsQuerySchema, { limit: '25' }).limit).toBe(25);
    expect(message(() => parseQuery(flagsQuerySchema, { limit: '0' }))).toBe(
      'limit: must be an integer from 1 to 1000',
    );
    expect(message(() => parseQuery(flagsQuerySchema, { limit: '1e3' }))).toBe(
      'limit: must be an integer from 1 to 1000',
    );
    expect(message(() => parseQuery(flagsQuerySchema, { limit: '5000' }))).toBe(
      'limit: must be an integer from 1 to 1000',
    );
    expect(message(() => parseQuery(flagsQuerySchema, { status: 'closed' }))).toBe(
      'status: must be one of open, approved, rejected, got "closed"',
    );
    expect(message(() => parseQuery(flagsQuerySchema, { kind: 'sleepy' }))).toContain(
      'kind: must be one of idle',
    );
    expect(message(() => parseQuery(flagsQuerySchema, { cursor: "x' --" }))).toBe(
      'cursor: must be a nextCursor returned by this endpoint',
    );
  });
});

describe('decision body', () => {
  it('accepts approve/reject with an optional note', () => {
    expect(parseBody(decisionBodySchema, { decision: 'approve' })).toEqual({ decision: 'approve', note: '' });
    expect(parseBody(decisionBodySchema, { decision: 'reject', note: 'fake' })).toEqual({
      decision: 'reject',
      note: 'fake',
    });
  });

  it('names the problem', () => {
    expect(message(() => parseBody(decisionBodySchema, {}))).toBe('decision: is required');
    expect(message(() => parseBody(decisionBodySchema, { decision: 'maybe' }))).toBe(
      'decision: must be approve or reject, got "maybe"',
    );
    expect(
      message(() => parseBody(decisionBodySchema, { decision: 'approve', note: 'x'.repeat(2001) })),
    ).toBe('note: must be at most 2000 characters');
    expect(message(() => parseBody(decisionBodySchema, { decision: 'approve', note: 5 }))).toBe(
      'note: must be a string',
    );
    expect(message(() => parseBody(decisionBodySchema, { decision: 'approve', by: 'someone.else' }))).toBe(
      'unknown body field "by"',
    );
    expect(message(() => parseBody(decisionBodySchema, ['approve']))).toBe('body: must be a JSON object');
  });
});
