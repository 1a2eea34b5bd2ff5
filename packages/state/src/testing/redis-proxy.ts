import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of Redis that can hold what the client sends (so commands are written by ioredis
 * but not answered) and drop every connection (so ioredis resends what it wrote, and queues what it is
 * given meanwhile, then writes both after reconnecting).
 */
export async function redisProxy(target: URL) {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let holding = false;
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    const pair = { client, upstream };
    pairs.add(pair);
    client.on('data', (data) => {
      if (!holding) upstream.write(data);
    });
    upstream.on('data', (data) => client.write(data));
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('close', end);
      s.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `redis://127.0.0.1:${address.port}`,
    /** Discards what clients send from now until the next drop. */
    hold() {
      holding = true;
    },
    dropAll() {
      for (const { client, upstream } of [...pairs]) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      holding = false;
    },
    async close() {
      this.dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
