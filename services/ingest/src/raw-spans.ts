/**
 * The source text of each top-level element of a JSON array, for the rejected-events topic ("its raw
 * JSON"). Only called for text that JSON.parse already accepted as an array, and only when a batch has a
 * rejection, so the happy path never pays for it. A linear scan with no recursion: re-serializing a
 * parsed element instead would overflow the stack on deeply nested input and would not be the raw text.
 */
export function arrayElementTexts(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote; escapes are two characters (\uXXXX's hex digits are harmless).
      if (depth === 1 && start < 0) start = i;
      for (i++; i < n; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
      continue;
    }
    if (c === 0x5b || c === 0x7b) {
      if (depth === 1 && start < 0) start = i;
      depth++;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
      if (depth === 0 && start >= 0) out.push(text.slice(start, i).trim());
    } else if (c === 0x2c && depth === 1) {
      out.push(text.slice(start, i).trim());
      start = -1;
    } else if (depth === 1 && start < 0 && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
      start = i;
    }
  }
  return out;
}
