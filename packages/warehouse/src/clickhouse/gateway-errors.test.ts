import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { isWarehouseError, toWarehouseError } from '../errors';
import { clickHouseOptionsFromUrl } from './url';
import { createClickHouseWarehouse } from './warehouse';

/**
 * ClickHouse behind a proxy or load balancer: when the server behind it is down, the gateway answers
 * itself (502, 503, 504). Those are infrastructure faults to retry (the aggregator) and to answer 503
 * with Retry-After (the API), not 'unexpected' (500 internal): found in review, every such answer came
 * out as 'unexpected'.
 */
describe('ClickHouse answers from a gateway in front of it', () => {
  let server: Server | undefined;
  afterEach(async () => {
    const s = server;
    server = undefined;
    if (s) await new Promise((r) => s.close(r));
  });

  async function answering(status: number, body: string) {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(status, { 'content-type': 'text/html' });
        res.end(body);
      });
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as { port: number };
    return createClickHouseWarehouse({
      ...clickHouseOptionsFromUrl(`http://127.0.0.1:${port}/gateway_test`),
      timeZone: 'UTC',
    });
  }

  it.each([
    [502, '<html><head><title>502 Bad Gateway</title></head></html>'],
    [503, 'Service Unavailable'],
    [504, '<h1>504 Gateway Time-out</h1>'],
    [503, 'no healthy upstream'],
    [502, ''],
  ])('a %i answer (%j) is unavailable, for reads and the readiness ping', async (status, body) => {
    const w = await answering(status, body);
    try {
      for (const call of [
        () => w.ping(),
        () => w.queryHours({ fromDay: '2026-03-01', toDay: '2026-03-01', groupBy: [], filters: {} }),
      ]) {
        const err = await call().then(
          () => null,
          (e: unknown) => e,
        );
        expect(isWarehouseError(err, 'unavailable'), String(err)).toBe(true);
      }
    } finally {
      await w.close();
    }
  });

  it('a 500 with a body that is neither ClickHouse nor a gateway stays unexpected', async () => {
    const w = await answering(500, 'oops');
    try {
      const err = await w.ping().then(
        () => null,
        (e: unknown) => e,
      );
      expect(isWarehouseError(err, 'unexpected'), String(err)).toBe(true);
    } finally {
      await w.close();
    }
  });

  it("a bug of ours whose message mentions 503 is not taken for a gateway's answer", () => {
    expect(toWarehouseError(new TypeError('cannot read 503 of undefined'), 'op').code).toBe('unexpected');
  });
});
