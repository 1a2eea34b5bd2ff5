import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config, Role } from './config';

export type Principal =
  | { kind: 'platform'; platformId: string; rateLimitPerSec?: number }
  | { kind: 'user'; name: string; role: Role; platforms: '*' | string[] };

export interface Authenticator {
  /** The principal of an `Authorization: Bearer <token>` header, or null when missing, malformed or unknown. */
  authenticate(authorizationHeader: string | undefined): Principal | null;
}

// Longer "tokens" are not ours; bounding them also bounds the hashing work an anonymous caller can cause.
const MAX_TOKEN_LENGTH = 512;
const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

interface Entry {
  digest: Buffer;
  principal: Principal;
}

/**
 * The token of an `Authorization: Bearer <token>` header, or null when missing, malformed or too long to be
 * one of ours. Ingest also uses it to keep a token a platform misplaced in its body out of what it stores.
 */
export function bearerToken(authorizationHeader: string | undefined): string | null {
  const header = authorizationHeader;
  if (typeof header !== 'string' || header.length > MAX_TOKEN_LENGTH + 16) return null;
  const token = BEARER.exec(header)?.[1];
  if (token === undefined || token.length > MAX_TOKEN_LENGTH) return null;
  return token;
}

/** Whether a token can be presented at all (`hourglass hash-token` refuses to hash any other). */
export function isPresentableToken(token: string): boolean {
  return bearerToken(`Bearer ${token}`) === token;
}

function digestOfHash(hash: string): Buffer {
  return Buffer.from(hash.slice('sha256:'.length), 'hex');
}

/**
 * Token authentication by SHA-256: only hashes are held in memory, never raw tokens. The presented token
 * is hashed, looked up by its hash, and the stored digest is compared with timingSafeEqual, so neither
 * the lookup nor the comparison leaks how much of a guess was right.
 */
export function createAuthenticator(config: Pick<Config, 'platforms' | 'users'>): Authenticator {
  const byHash = new Map<string, Entry>();
  for (const p of config.platforms) {
    const principal: Principal = { kind: 'platform', platformId: p.id };
    if (p.rateLimitPerSec !== undefined) principal.rateLimitPerSec = p.rateLimitPerSec;
    for (const t of p.tokens)
      byHash.set(t.slice(7).toLowerCase(), { digest: digestOfHash(t), principal: Object.freeze(principal) });
  }
  for (const u of config.users) {
    const scope =
      u.role !== 'supervisor' || u.platforms === undefined || u.platforms.includes('*')
        ? '*'
        : [...u.platforms];
    const principal: Principal = Object.freeze({
      kind: 'user',
      name: u.name,
      role: u.role,
      platforms: scope,
    });
    for (const t of u.tokens) byHash.set(t.slice(7).toLowerCase(), { digest: digestOfHash(t), principal });
  }

  return {
    authenticate(header) {
      const token = bearerToken(header);
      if (token === null) return null;
      const digest = createHash('sha256').update(token, 'utf8').digest();
      const entry = byHash.get(digest.toString('hex'));
      if (entry === undefined || !timingSafeEqual(entry.digest, digest)) return null;
      return entry.principal;
    },
  };
}
