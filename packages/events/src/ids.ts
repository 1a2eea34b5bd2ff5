import { hash } from 'node:crypto';

/**
 * Deterministic, URL-safe ids: the same input always names the same row, so redelivery dedupes. The
 * input is the parts joined by NUL. The rules engine names a segment per event, so the text is built
 * with a template rather than Array#join, and epoch milliseconds are written without a double-to-string
 * conversion; both were more than the hash itself.
 */
function digest(text: string): string {
  // crypto.hash (one-shot) is ~1.8× faster than createHash().update().digest() for short inputs.
  return hash('sha256', text, 'base64url').slice(0, 22);
}

export function flagIdOf(platformId: string, sessionId: string, kind: string): string {
  return `f_${digest(`${platformId}\u0000${sessionId}\u0000${kind}`)}`;
}

export function segmentIdOf(platformId: string, sessionId: string, startMs: number): string {
  return `s_${digest(`${platformId}\u0000${sessionId}\u0000${intText(startMs)}`)}`;
}

/**
 * String(n), exactly. Epoch milliseconds are past the small-integer range, where V8 converts through the
 * general double printer (~0.2 µs); two small halves convert from its cache.
 */
export function intText(n: number): string {
  if (!(n >= 1e6 && n <= Number.MAX_SAFE_INTEGER && Number.isInteger(n))) return String(n);
  const hi = Math.floor(n / 1e6);
  const lo = n - hi * 1e6;
  const pad =
    lo >= 1e5 ? '' : lo >= 1e4 ? '0' : lo >= 1e3 ? '00' : lo >= 100 ? '000' : lo >= 10 ? '0000' : '00000';
  return `${hi}${pad}${lo}`;
}
