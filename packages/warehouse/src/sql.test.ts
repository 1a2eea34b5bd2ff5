import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWarehouseError } from './errors';
import { sqlIdentifier, sqlInStrings, sqlNumber, sqlString } from './sql';

const invalidError = (f: () => unknown): boolean => {
  try {
    f();
  } catch (e) {
    return isWarehouseError(e, 'invalid');
  }
  return false;
};

describe('sqlString', () => {
  it.each([
    ['', "''"],
    ['abc', "'abc'"],
    ["it's", "'it\\'s'"],
    ["''", "'\\'\\''"],
    ['back\\slash', "'back\\\\slash'"],
    ['\\', "'\\\\'"],
    ["\\'", "'\\\\\\''"],
    ['nul\0byte', "'nul\\x00byte'"],
    ['line\nbreak\r\n', "'line\\x0abreak\\x0d\\x0a'"],
    ['tab\there', "'tab\\x09here'"],
    ['\x1f\x7f', "'\\x1f\\x7f'"],
    ['"double" `back` ?{x}', '\'"double" `back` ?{x}\''],
    ['é中文😀', "'é中文😀'"],
    ["x' OR 1=1 --", "'x\\' OR 1=1 --'"],
    ["'; DROP TABLE segments; --", "'\\'; DROP TABLE segments; --'"],
  ])('%j → %s', (input, literal) => {
    expect(sqlString(input)).toBe(literal);
  });

  it('never leaves a quote, backslash or control character unescaped (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const body = sqlString(s).slice(1, -1);
        // Remove every escape sequence we produce; what is left must hold no quote/backslash/control.
        const rest = body.replace(/\\(\\|'|x[0-9a-f]{2})/g, '');
        const unsafe = [...rest].some((ch) => ch === "'" || ch === '\\' || ch < ' ' || ch === '\x7f');
        return !unsafe;
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses lone surrogates (no UTF-8 encoding) and non-strings', () => {
    expect(invalidError(() => sqlString('a\ud800b'))).toBe(true);
    expect(invalidError(() => sqlString('\udc00'))).toBe(true);
    expect(invalidError(() => sqlString(5 as unknown as string))).toBe(true);
    expect(sqlString('\ud83d\ude00')).toBe("'😀'");
  });
});

describe('sqlNumber', () => {
  it.each([
    [0, '0'],
    [-0, '0'],
    [42, '42'],
    [-5, '(-5)'],
    [1.5, '1.5'],
    [1e-7, '1e-7'],
    [2 ** 53 - 1, '9007199254740991'],
  ])('%d → %s', (n, literal) => {
    expect(sqlNumber(n)).toBe(literal);
  });

  it('refuses what is not a finite, exactly representable number', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53, 1e300]) {
      expect(invalidError(() => sqlNumber(bad))).toBe(true);
    }
    expect(invalidError(() => sqlNumber('1' as unknown as number))).toBe(true);
  });
});

describe('sqlIdentifier and sqlInStrings', () => {
  it('accepts plain identifiers only', () => {
    expect(sqlIdentifier('hg_test_1a2b')).toBe('`hg_test_1a2b`');
    for (const bad of ['', '1abc', 'a-b', 'a`b', 'a b', 'db.table', 'x'.repeat(65)]) {
      expect(invalidError(() => sqlIdentifier(bad))).toBe(true);
    }
  });

  it('quotes every member and turns an empty list into false', () => {
    expect(sqlInStrings('learnerId', ["a'b", 'c'])).toBe("learnerId IN ('a\\'b', 'c')");
    expect(sqlInStrings('learnerId', [])).toBe('0');
  });
});
