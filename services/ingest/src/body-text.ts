import { isUtf8 } from 'node:buffer';
import type { FastifyRequest } from 'fastify';
import { ingestError } from './errors';

/**
 * The body as text, for the route to parse. Bytes that are not UTF-8 make no JSON text (SPEC §2 "JSON
 * objects, UTF-8"; RFC 8259 §8.1): decoding them would put U+FFFD into the platform's data and accept it,
 * so such a body is refused whole, like any body that is not JSON.
 */
export function asText(
  _req: FastifyRequest,
  body: Buffer,
  done: (err: Error | null, text?: string) => void,
): void {
  if (isUtf8(body)) done(null, body.toString('utf8'));
  else done(ingestError(400, 'invalid_json', 'the body is not valid UTF-8: send JSON encoded as UTF-8'));
}
