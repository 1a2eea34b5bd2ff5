import type { Redis } from 'ioredis';

/** SCAN's MATCH is a glob: a prefix with `*`, `?`, `[`, `]` or `\` in it would also match other keys. */
export function globLiteral(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * Deletes every key that starts with `keyPrefix` — the keys of a store opened with that prefix (a test's or
 * a benchmark's), and nothing else: the prefix is matched literally. Returns how many keys went. Walks the
 * keyspace with SCAN, so Redis keeps serving others meanwhile; UNLINK frees the values off the main thread.
 */
export async function deleteKeysUnder(redis: Redis, keyPrefix: string): Promise<number> {
  if (keyPrefix.length === 0) throw new RangeError('deleteKeysUnder needs a non-empty prefix');
  const pattern = `${globLiteral(keyPrefix)}*`;
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
