import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

export interface OwnRedis {
  url: string;
  /** A client of this server alone: tests may change its config (CONFIG SET) and fill its memory. */
  admin: Redis;
  stop(): Promise<void>;
}

/** A local port nobody listens on now: bind an ephemeral one, then release it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * Starts a private `redis-server` (from PATH) on a free port, without persistence, for tests that must
 * change the server's configuration (maxmemory, eviction policy), which the shared server must never see.
 */
export async function startOwnRedis(args: readonly string[] = []): Promise<OwnRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  admin.on('error', () => {});
  for (let i = 0; ; i++) {
    try {
      await admin.connect();
      await admin.ping();
      break;
    } catch (err) {
      if (i >= 50 || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error(`redis-server did not start on port ${port}: ${String(err)}`);
      }
      admin.disconnect();
      await sleep(100);
    }
  }
  return {
    url,
    admin,
    async stop() {
      admin.disconnect();
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Sets maxmemory just below what the server uses now, so the next write is over it. */
export async function squeezeMemory(admin: Redis, belowBytes = 200_000): Promise<void> {
  const info = await admin.info('memory');
  const used = Number(/^used_memory:(\d+)/m.exec(info)?.[1]);
  await admin.config('SET', 'maxmemory', String(Math.max(1, used - belowBytes)));
}
