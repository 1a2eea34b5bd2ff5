import { IDENTIFIER } from '@hourglass/events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWarehouseError } from './errors';
import { segment } from './testing/fixtures';
import { checkSegments, isIdentifier } from './validate';

describe('isIdentifier', () => {
  it.each([
    ['', false],
    ['a', true],
    ['A-z_0.9:x', true],
    ['x'.repeat(128), true],
    ['x'.repeat(129), false],
    ['with space', false],
    ['line\n', false],
    ['é', false],
    ['a/b', false],
    ["a'b", false],
    ['\u0100', false],
    ['\u00ff', false],
  ])('%j → %s, as IDENTIFIER says', (v, ok) => {
    expect(isIdentifier(v)).toBe(ok);
    expect(IDENTIFIER.test(v)).toBe(ok);
  });

  it('agrees with IDENTIFIER on arbitrary strings (property)', () => {
    const near = fc.constantFrom(...'aZ09._:-/ @[`{~\n\u0000\u007f\u0080é€😀');
    const strings = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({ unit: near, maxLength: 140 }),
      fc.string({ unit: fc.constantFrom(...'aZ09._:-'), minLength: 120, maxLength: 136 }),
    );
    fc.assert(
      fc.property(strings, (s) => isIdentifier(s) === IDENTIFIER.test(s)),
      { numRuns: 5000 },
    );
  });
});

describe('checkSegments', () => {
  it('checks a row whose session was seen before with other attributes like any row', () => {
    const ok = segment('s1', 'S1', '2026-03-01T01:00:00Z', 1);
    const same = { ...segment('s2', 'S1', '2026-03-01T01:01:00Z', 1) };
    expect(() => checkSegments([ok, same])).not.toThrow();
    for (const [field, bad] of [
      ['learnerId', 'bad id'],
      ['platformId', 'Alpha'],
      ['courseId', ''],
      ['deviceId', 'd/1'],
      ['occupation', 'x'.repeat(33)],
      ['region', '1234'],
      ['learnerGroup', 'students'],
    ] as const) {
      const err = (() => {
        try {
          checkSegments([ok, { ...same, [field]: bad }]);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(isWarehouseError(err, 'invalid')).toBe(true);
      expect((err as Error).message).toContain(`segment.${field}`);
    }
  });
});
