import { createMemoryStateStore } from './memory-store';
import { createRedisStateStore } from './redis-store';
import type { StateStore } from './types';

/** Redis when a URL is given (REDIS_URL), otherwise the in-memory store. */
export function openStateStore(opts: { url?: string; keyPrefix?: string }): StateStore {
  if (opts.url) {
    return createRedisStateStore({ url: opts.url, ...(opts.keyPrefix ? { keyPrefix: opts.keyPrefix } : {}) });
  }
  return createMemoryStateStore();
}
