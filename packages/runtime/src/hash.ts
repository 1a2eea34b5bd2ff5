import { createHash } from 'node:crypto';

/** The configuration form of a token: `sha256:<64 lowercase hex>`. Used by auth, docs and the CLI. */
export function hashToken(token: string): string {
  return `sha256:${createHash('sha256').update(token, 'utf8').digest('hex')}`;
}
