import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deleteKeysUnder } from './delete-keys';
import { createRedisStateStore } from './redis-store';
import { onLocalRedis } from './testing/redis';

// Found in review (config-cli): ioredis sends SELECT <db> when it connects and only emits the refusal
// as an 'error' event; the connection stays on database 0 and every command runs there. A REDIS_URL
// naming a database the server does not have (redis://host:6379/99 on the default 16) was ready and
// kept the detector's state in database 0, where the operator did not put it.
onLocalRedis('redis state store database', (url, admin) => {
  describe('a REDIS_URL naming a database', () => {
    it('a database the server does not have is refused by every call, and nothing is written to database 0', async () => {
      const databases = Number(((await admin.config('GET', 'databases')) as string[])[1]);
      const u = new URL(url);
      u.pathname = `/${databases}`;
      const prefix = `config-cli:${randomUUID()}:`;
      const store = createRedisStateStore({ url: u.href, keyPrefix: prefix, commandTimeoutMs: 2000 });
      try {
        await expect(store.ping()).rejects.toThrow(`database ${databases}`);
        await expect(store.claimPartition('0')).rejects.toThrow(`database ${databases}`);
        expect(await admin.keys(`${prefix}*`)).toEqual([]);
      } finally {
        await store.close();
        await deleteKeysUnder(admin, prefix);
      }
    });

    it('a database the server has is used', async () => {
      const u = new URL(url);
      u.pathname = '/3';
      const prefix = `config-cli:${randomUUID()}:`;
      const store = createRedisStateStore({ url: u.href, keyPrefix: prefix });
      try {
        await store.ping();
        await store.claimPartition('0');
        expect(await admin.keys(`${prefix}*`)).toEqual([]);
      } finally {
        await store.close();
        const db3 = admin.duplicate({ db: 3 });
        await deleteKeysUnder(db3, prefix);
        await db3.quit();
      }
    });
  });
});
