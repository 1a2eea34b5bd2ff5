import { describe, expect, it } from 'vitest';
import { hasLoneSurrogate, wellFormed } from './well-formed';

describe('lone UTF-16 surrogates (text with no UTF-8 form)', () => {
  it('are found, and replaced by U+FFFD with the rest of the text as it was', () => {
    for (const s of ['ok \ud800', '\udc00x', 'a\ud83d']) expect(hasLoneSurrogate(s)).toBe(true);
    for (const s of ['', 'plain', 'pair 😀', '\ufffd']) expect(hasLoneSurrogate(s)).toBe(false);
    expect(wellFormed('a\ud800b😀\udc00')).toBe('a\ufffdb😀\ufffd');
    expect(hasLoneSurrogate(wellFormed('x\ud800\ud800'))).toBe(false);
  });
});
