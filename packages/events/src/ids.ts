import { hash } from 'node:crypto';

/** Deterministic, URL-safe ids: the same input always names the same row, so redelivery dedupes. */
function digest(parts: readonly (string | number)[]): string {
  // crypto.hash (one-shot) is ~1.8× faster than createHash().update().digest() for short inputs.
  return hash('sha256', parts.join('\u0000'), 'base64url').slice(0, 22);
}

export function flagIdOf(platformId: string, sessionId: string, kind: string): string {
  return `f_${digest([platformId, sessionId, kind])}`;
}

export function segmentIdOf(platformId: string, sessionId: string, startMs: number): string {
  return `s_${digest([platformId, sessionId, startMs])}`;
}
