/**
 * Exact-id dedupe (SPEC §4 "Duplicates") kept inside the learner state.
 *
 * The learner's most recent DEDUPE_CAPACITY processed events are remembered as 48-bit fingerprints of
 * `platformId + '\0' + id`, each written as 8 base64url characters, oldest first, in one string. A string
 * is immutable, so states can share it freely, and it is already its own compact serialization.
 *
 * 48 bits: a new event is wrongly taken for a duplicate with probability ≤ 256 / 2^48 ≈ 9·10⁻¹³, i.e.
 * about 0.02 events over 2.4·10¹⁰ (a million learners, 100 days, two hours a day at one event per 30 s).
 */

export const DEDUPE_CAPACITY = 256;
export const FINGERPRINT_CHARS = 8;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const CODES = Array.from(ALPHABET, (c) => c.charCodeAt(0));

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Two unrelated 32-bit lanes (murmur3-style and FNV-1a, both finalized with fmix32) so that a collision
 * in one construction is not a collision in the other; 24 bits of each make the fingerprint.
 */
export function fingerprint(platformId: string, id: string): string {
  let h1 = 0x5bd1e995;
  let h2 = 0x811c9dc5;
  // One loop over platformId, '\0', id (written out rather than through a closure: this runs per event).
  const n = platformId.length + 1 + id.length;
  for (let i = 0; i < n; i++) {
    const c =
      i < platformId.length
        ? platformId.charCodeAt(i)
        : i === platformId.length
          ? 0
          : id.charCodeAt(i - platformId.length - 1);
    let k = Math.imul(c, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h1 ^= Math.imul(k, 0x1b873593);
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    h2 = Math.imul(h2 ^ c, 0x01000193);
  }
  const a = fmix32(h1 ^ n) >>> 8;
  const b = fmix32(h2 ^ Math.imul(n, 0x9e3779b1)) >>> 8;
  // One flat 8-character string; concatenating charAt() results would build a rope of 8 pieces.
  return String.fromCharCode(
    CODES[a >>> 18]!,
    CODES[(a >>> 12) & 63]!,
    CODES[(a >>> 6) & 63]!,
    CODES[a & 63]!,
    CODES[b >>> 18]!,
    CODES[(b >>> 12) & 63]!,
    CODES[(b >>> 6) & 63]!,
    CODES[b & 63]!,
  );
}

/**
 * A match must start on an entry boundary; one straddling two entries is a coincidence, not a hit. The
 * search uses the first 6 characters (36 bits) and checks the last 2 by hand: V8 switches to a
 * Boyer–Moore–Horspool search with a per-call table for needles of 7 characters or more, which costs
 * twice as much on a 2 KiB ring.
 */
export function hasSeen(ring: string, fp: string): boolean {
  const head = fp.slice(0, 6);
  const c6 = fp.charCodeAt(6);
  const c7 = fp.charCodeAt(7);
  let i = ring.indexOf(head);
  while (i !== -1) {
    if (i % FINGERPRINT_CHARS === 0 && ring.charCodeAt(i + 6) === c6 && ring.charCodeAt(i + 7) === c7)
      return true;
    i = ring.indexOf(head, i + 1);
  }
  return false;
}

/**
 * Slicing first and appending after keeps this O(1) in V8 (a slice of a flat string is a view, the append
 * a rope); slicing the appended rope would copy the whole 2 KiB ring on every event. The rope is left
 * as it is: flattening it here measured faster in pnpm bench:engine (no rope for the GC to copy) but
 * slower in pnpm bench:detector, whose state is encoded right after the batch, so the encoder's join
 * copied the ring a second time (detector 30.8 µs per event against 28.9-29.8, alternating runs).
 */
export function remember(ring: string, fp: string): string {
  const excess = ring.length + FINGERPRINT_CHARS - DEDUPE_CAPACITY * FINGERPRINT_CHARS;
  return (excess > 0 ? ring.slice(excess) : ring) + fp;
}

/**
 * Shape check of a stored ring. The alphabet is not re-checked: a regex over 2 KiB costs more than the rest
 * of reading a state, and a flipped character only makes one id unrecognised, while truncation (caught by
 * the length) would shift every entry.
 */
export function isRing(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length % FINGERPRINT_CHARS === 0 &&
    value.length <= DEDUPE_CAPACITY * FINGERPRINT_CHARS
  );
}
