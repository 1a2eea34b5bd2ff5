import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arrayElementTexts } from './raw-spans';

describe('arrayElementTexts', () => {
  it('splits top-level elements, whatever strings and nesting they hold', () => {
    expect(arrayElementTexts('[]')).toEqual([]);
    expect(arrayElementTexts(' [ 1 ] ')).toEqual(['1']);
    expect(arrayElementTexts('[1,"a,\\"]",{"b":[2,3]},[],null,true,-1.5e3]')).toEqual([
      '1',
      '"a,\\"]"',
      '{"b":[2,3]}',
      '[]',
      'null',
      'true',
      '-1.5e3',
    ]);
    expect(arrayElementTexts('["\\\\",  "x"]')).toEqual(['"\\\\"', '"x"']);
  });

  it('gives back texts that parse to the elements, for any JSON array in any layout', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue()),
        fc.constantFrom(undefined, 1, 2, '\t', '\r\n '),
        (values, space) => {
          const text = JSON.stringify(values, null, space as string | number | undefined);
          const texts = arrayElementTexts(text);
          expect(texts).toHaveLength(values.length);
          expect(texts.map((t) => JSON.parse(t))).toEqual(JSON.parse(text));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('handles nesting far deeper than a recursive walk could', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(arrayElementTexts(`[1,${deep},2]`)).toEqual(['1', deep, '2']);
  });
});
