import { describe, expect, it } from 'vitest';
import { openStateStore } from './open';

describe('openStateStore', () => {
  it('is Redis when a URL is given and in memory otherwise', async () => {
    const redis = openStateStore({ url: 'redis://127.0.0.1:6379', keyPrefix: 'hg:open-test:' });
    const memory = openStateStore({});
    expect([redis.kind, memory.kind]).toEqual(['redis', 'memory']);
    await Promise.all([redis.close(), memory.close()]);
  });
});
