import { Redis } from 'ioredis';
import { afterAll, describe, it } from 'vitest';

/**
 * Registers a test file's suites on the local Redis: `body` gets its URL and an admin client (closed
 * after the file). Without REDIS_URL the file is one failing test that says how to start the servers:
 * integration tests fail, never skip. Only tests read the environment; the package takes the URL as an
 * option.
 */
export function onLocalRedis(name: string, body: (url: string, admin: Redis) => void): void {
  const url = process.env.REDIS_URL;
  if (!url) {
    describe(name, () => {
      it('needs REDIS_URL', () => {
        throw new Error('REDIS_URL is not set — start the services: bash deploy/local/services.sh up');
      });
    });
    return;
  }
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  afterAll(() => admin.quit());
  body(url, admin);
}
