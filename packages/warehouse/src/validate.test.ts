import { IDENTIFIER } from '@hourglass/events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isIdentifier } from './validate';

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
