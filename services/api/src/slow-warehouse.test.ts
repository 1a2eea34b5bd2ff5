import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { clickHouseOptionsFromUrl, createClickHouseWarehouse } from '@hourglass/warehouse';
import { afterAll, describe, expect, it } from 'vitest';
import { createHarness } from './testing/harness';

const url = process.env.CLICKHOUSE_URL ?? '';
if (url === '') throw new Error('start the services: bash deploy/local/services.sh up');

/** An HTTP proxy in front of ClickHouse that holds every request `delayMs` before passing it on. */
function delayingProxy(target: URL) {
  let delayMs = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      if (res.destroyed || req.socket.destroyed) return;
      const up = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 500, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', (e) => res.destroy(e));
      up.end(Buffer.concat(chunks));
    });
  });
  return {
    async start() {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    setDelay(ms: number) {
      delayMs = ms;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('the query API in front of a hung ClickHouse', () => {
  const database = `api_load_${randomBytes(4).toString('hex')}`;
  afterAll(async () => {
    await fetch(clickHouseOptionsFromUrl(url).url, {
      method: 'POST',
      body: `DROP DATABASE IF EXISTS ${database}`,
    });
  });

  // The client holds at most 8 connections; its request timeout only runs once a request has one. Queued
  // requests waited for the 8 ahead of them to time out first: the 40th of 40 was answered after 5
  // timeouts (5 s here, 150 s with the default 30 s), so requests piled up without bound behind a hung server.
  it('answers every one of 40 simultaneous queries 503 with Retry-After within about one request timeout', async () => {
    const proxy = delayingProxy(new URL(clickHouseOptionsFromUrl(url).url));
    const purl = await proxy.start();
    const warehouse = createClickHouseWarehouse({
      url: purl,
      database,
      timeZone: 'Asia/Shanghai',
      requestTimeoutMs: 1000,
    });
    const h = await createHarness({ warehouse });
    try {
      proxy.setDelay(60_000);
      const t0 = Date.now();
      const results = await Promise.all(
        Array.from({ length: 40 }, async () => {
          const r = await h.get('/v1/stats/hours?from=2026-03-01&to=2026-03-02', 'statistician');
          return { status: r.status, retryAfter: r.headers['retry-after'], ms: Date.now() - t0 };
        }),
      );
      expect(results.map((r) => [r.status, r.retryAfter])).toEqual(Array(40).fill([503, '5']));
      expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(2000);
      // And once the server answers again, so does the API.
      proxy.setDelay(0);
      expect((await h.get('/v1/stats/hours?from=2026-03-01&to=2026-03-02', 'statistician')).status).toBe(200);
    } finally {
      proxy.setDelay(0);
      await h.close();
      await proxy.close();
    }
  }, 60_000);
});
