import { type FieldError, REJECTED_RAW_MAX_BYTES, type RejectedEvent, wellFormed } from '@hourglass/events';

/**
 * Bounds on what one rejected event reports. An event with 100 000 unknown keys, or one key a megabyte
 * long, would otherwise make a response and a rejected-topic record many times the request's size (and
 * larger than Kafka accepts, turning the request into one that fails forever).
 */
export const MAX_ERRORS_PER_EVENT = 20;
const MAX_PATH_CHARS = 256;
const MAX_MESSAGE_CHARS = 512;

/** At most `max` UTF-16 units, well-formed: never half of a surrogate pair (the warehouse refuses those). */
function clip(s: string, max: number): string {
  const w = wellFormed(s);
  if (w.length <= max) return w;
  let end = max - 1;
  const last = w.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${w.slice(0, end)}…`;
}

export function boundErrors(errors: readonly FieldError[]): FieldError[] {
  const out: FieldError[] = [];
  const shown = Math.min(errors.length, MAX_ERRORS_PER_EVENT);
  for (let i = 0; i < shown; i++) {
    const e = errors[i]!;
    out.push({
      path: clip(e.path, MAX_PATH_CHARS),
      code: e.code,
      message: clip(e.message, MAX_MESSAGE_CHARS),
    });
  }
  if (errors.length > shown) {
    out.push({
      path: '',
      code: 'too_many_errors',
      message: `${errors.length - shown} more errors not listed`,
    });
  }
  // A rejection must always say why (never an empty list).
  if (out.length === 0) out.push({ path: '', code: 'invalid', message: 'the event was rejected' });
  return out;
}

/** Cuts a string to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(s: string, maxBytes: number): { text: string; truncated: boolean } {
  // Fast path: even at 3 bytes per UTF-16 unit (the worst case) it fits.
  if (s.length * 3 <= maxBytes) return { text: s, truncated: false };
  const buf = Buffer.from(s, 'utf8');
  if (buf.length <= maxBytes) return { text: s, truncated: false };
  let end = maxBytes;
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return { text: buf.subarray(0, end).toString('utf8'), truncated: true };
}

export const REDACTED = '[redacted]';

/**
 * `raw` with every occurrence of `secret` (as written, and as JSON spells it inside a string) replaced by
 * [redacted]. Ingest passes the request's own bearer token: a platform that puts it in an event's body
 * must not have it stored in plain text on the rejected topic and in the warehouse.
 */
export function redactSecret(raw: string, secret: string | undefined): string {
  if (secret === undefined || secret === '') return raw;
  let out = raw.includes(secret) ? raw.replaceAll(secret, REDACTED) : raw;
  const escaped = JSON.stringify(secret).slice(1, -1);
  if (escaped !== secret && out.includes(escaped)) out = out.replaceAll(escaped, REDACTED);
  return out;
}

export interface RejectedInput {
  platformId: string;
  receivedAt: string;
  source: 'ingest' | 'replay';
  index: number;
  id: string | null;
  value: unknown;
  errors: FieldError[];
  raw: string;
  /** Removed from `raw` before it is kept: the request's bearer token. */
  secret?: string;
}

export function rejectedRecord(r: RejectedInput): RejectedEvent {
  // Redacted before truncating, so a token cut at the limit cannot leave its first part behind.
  const { text, truncated } = truncateUtf8(redactSecret(r.raw, r.secret), REJECTED_RAW_MAX_BYTES);
  const v = r.value as { type?: unknown } | null;
  const type = typeof v === 'object' && v !== null && typeof v.type === 'string' ? clip(v.type, 64) : null;
  return {
    platformId: r.platformId,
    receivedAt: r.receivedAt,
    source: r.source,
    index: r.index,
    id: r.id === null ? null : wellFormed(r.id),
    type,
    errors: r.errors,
    raw: text,
    truncated,
  };
}
