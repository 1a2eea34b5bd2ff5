import type { AcceptedEvent } from '@hourglass/events';
import { REDACTED } from './rejected';

/**
 * An accepted event whose `ext` (platform data, opaque to Hourglass) holds the request's own bearer token,
 * with the token replaced there, in keys and string values at any depth; any other event as it is. The
 * events topic keeps what it is given for its retention, and tokens are never stored in plain text
 * (found in review: a platform that put "Bearer <token>" into ext had it on the topic). Only ext: ids
 * are the platform's identifiers and are kept exactly.
 *
 * The replacement is never longer than the token, so ext stays within EXT_MAX_BYTES, which the detector
 * checks again on every record.
 */
export function withoutSecretInExt(event: AcceptedEvent, secret: string | undefined): AcceptedEvent {
  const ext = (event as { ext?: unknown }).ext;
  if (secret === undefined || secret === '' || ext === undefined) return event;
  if (!JSON.stringify(ext).includes(JSON.stringify(secret).slice(1, -1))) return event;
  const mask = secret.length >= REDACTED.length ? REDACTED : '*'.repeat(secret.length);
  const clean = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replaceAll(secret, mask);
    if (Array.isArray(v)) return v.map(clean);
    if (typeof v === 'object' && v !== null)
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replaceAll(secret, mask), clean(x)]));
    return v;
  };
  return { ...event, ext: clean(ext) } as AcceptedEvent;
}
