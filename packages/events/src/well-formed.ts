const LONE_SURROGATE = /\p{Cs}/gu;
const ANY_LONE_SURROGATE = /\p{Cs}/u;

/** Whether the text holds a lone UTF-16 surrogate: text with no UTF-8 form (see wellFormed). */
export function hasLoneSurrogate(s: string): boolean {
  return ANY_LONE_SURROGATE.test(s);
}

/**
 * The text with every lone UTF-16 surrogate replaced by U+FFFD. A lone surrogate (a platform's own
 * "\ud800" escape, or text cut between the halves of a pair) has no UTF-8 form: the warehouse refuses
 * such text, and a wire silently replaces it. Done where we choose, the rest of the text stays as sent.
 */
export function wellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, '\uFFFD');
}
