import { connect, type Socket } from 'node:net';
import type { EmbeddedLog, LogProducer } from '@hourglass/log';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToReserve, createBodyBudget } from './body-budget';
import { createHarness, type Harness, heartbeat, post, TOKENS, testConfig } from './testing';

describe('the body budget', () => {
  it('lets requests in while their bytes fit, and always one when nothing is held', () => {
    const budget = createBodyBudget({ capBytes: 1000 });
    expect(budget.reserve(600)).toBe(true);
    expect(budget.reserve(400)).toBe(true);
    expect(budget.reserve(1)).toBe(false);
    budget.release(600);
    expect(budget.reserve(700)).toBe(false);
    expect(budget.reserve(600)).toBe(true);
    budget.release(600);
    budget.release(400);
    expect(budget.held()).toBe(0);
    expect(budget.reserve(5000)).toBe(true);
    expect(budget.held()).toBe(5000);
  });

  it.each([
    ['3000', 3000],
    ['0', 0],
    ['999999', 4096],
    [undefined, 4096],
    ['', 4096],
    ['12abc', 4096],
    ['-1', 4096],
    ['99999999999999999999', 4096],
  ])('a request with Content-Length %j reserves %d bytes under a 4096-byte body limit', (header, bytes) => {
    expect(bytesToReserve(header, 4096)).toBe(bytes);
  });
});

describe('POST /v1/events: bodies held at once are capped (ingest.maxInFlightBodyBytes)', () => {
  let h: Harness | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await h?.close();
    h = undefined;
  });

  /** Starts a request on a real connection and sends only `sent` of its body, holding the rest back. */
  async function slowUpload(port: number, headers: Record<string, string>, sent: string): Promise<Socket> {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const lines = Object.entries({
      host: '127.0.0.1',
      authorization: `Bearer ${TOKENS.cvto}`,
      'content-type': 'application/json',
      ...headers,
    }).map(([k, v]) => `${k}: ${v}`);
    socket.write(`POST /v1/events HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n${sent}`);
    return socket;
  }

  async function held(): Promise<number> {
    const metrics = await h!.app.inject({ method: 'GET', url: '/metrics' });
    const line = metrics.body.split('\n').find((l) => l.startsWith('hourglass_ingest_body_bytes_in_flight '));
    return Number(line?.split(' ')[1]);
  }

  async function until(check: () => Promise<boolean>): Promise<void> {
    const end = Date.now() + 5000;
    while (!(await check())) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async function listening(producer?: (log: EmbeddedLog) => LogProducer): Promise<number> {
    h = await createHarness({
      config: testConfig({ maxBodyBytes: 4096, maxInFlightBodyBytes: 4096 }),
      ...(producer ? { producer } : {}),
    });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const address = h.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening');
    return address.port;
  }

  it('a request whose body does not fit beside one being uploaded answers 503 overloaded with Retry-After 1', async () => {
    const port = await listening();
    await slowUpload(port, { 'content-length': '3000' }, '[');
    await until(async () => (await held()) === 3000);
    const eight = Array.from({ length: 8 }, () => heartbeat({}));
    expect(Buffer.byteLength(JSON.stringify(eight))).toBeGreaterThan(4096 - 3000);
    const refused = await post(h!, eight);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json().error.code).toBe('overloaded');
    expect(await h!.count('events')).toBe(0);
    // A small one still fits beside it.
    expect((await post(h!, [heartbeat({})])).statusCode).toBe(200);
    expect(await h!.count('events')).toBe(1);
  });

  it('a client that goes away mid-upload gives its bytes back', async () => {
    const port = await listening();
    const upload = await slowUpload(port, { 'content-length': '3000' }, '[');
    await until(async () => (await held()) === 3000);
    upload.destroy();
    await until(async () => (await held()) === 0);
    const eight = Array.from({ length: 8 }, () => heartbeat({}));
    expect((await post(h!, eight)).statusCode).toBe(200);
    expect(await h!.count('events')).toBe(8);
  });

  it('a finished upload gives its bytes back', async () => {
    const port = await listening();
    const body = JSON.stringify([heartbeat({})]);
    const upload = await slowUpload(
      port,
      { 'content-length': String(Buffer.byteLength(body)) },
      body.slice(0, 1),
    );
    await until(async () => (await held()) === Buffer.byteLength(body));
    const answer = new Promise<string>((resolve) => upload.once('data', (d) => resolve(String(d))));
    upload.write(body.slice(1));
    expect(await answer).toMatch(/^HTTP\/1\.1 200 /);
    await until(async () => (await held()) === 0);
  });

  it('a chunked upload (no Content-Length) holds the whole body limit', async () => {
    const port = await listening();
    await slowUpload(port, { 'transfer-encoding': 'chunked' }, '1\r\n[\r\n');
    await until(async () => (await held()) === 4096);
    expect((await post(h!, [heartbeat({})])).statusCode).toBe(503);
  });

  // Found in review (diff5): Node queues the answer of a request pipelined behind one still being
  // answered without giving it the connection, and never emits 'close' on it if the connection goes away
  // before its turn: the bytes it reserved were never given back, so a few such connections locked
  // ingest out with 503 overloaded for good, with nothing being received or processed.
  it('a request pipelined behind one being answered gives its bytes back when the client goes away', async () => {
    let open = () => {};
    const produced = new Promise<void>((resolve) => {
      open = resolve;
    });
    // The log holds the first request's answer back until `open`.
    const port = await listening((log) => {
      const producer = log.producer();
      return {
        connect: () => producer.connect(),
        disconnect: () => producer.disconnect(),
        isConnected: () => producer.isConnected(),
        send: async (records) => {
          await produced;
          await producer.send(records);
        },
      };
    });
    const body = JSON.stringify([heartbeat({})]);
    const socket = await slowUpload(port, { 'content-length': String(Buffer.byteLength(body)) }, body);
    socket.on('error', () => {});
    // A second request on the same connection while the first waits on the log.
    const second = JSON.stringify(Array.from({ length: 14 }, () => heartbeat({})));
    expect(Buffer.byteLength(second)).toBeGreaterThan(2500);
    socket.write(
      `POST /v1/events HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${TOKENS.cvto}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(second)}\r\n\r\n${second}`,
    );
    await until(async () => (await held()) === Buffer.byteLength(body) + Buffer.byteLength(second));
    socket.destroy();
    // The server saw the connection go: the first request's answer closed, its bytes given back.
    await until(async () => (await held()) <= Buffer.byteLength(second));
    open();
    await until(async () => (await h!.count('events')) === 15);
    await until(async () => (await held()) === 0).catch(() => {});
    expect(await held()).toBe(0);
    const eight = Array.from({ length: 8 }, () => heartbeat({}));
    expect((await post(h!, eight)).statusCode).toBe(200);
  });

  it('an unauthenticated request holds nothing', async () => {
    const port = await listening();
    const socket = await slowUpload(port, { authorization: 'Bearer nope', 'content-length': '3000' }, '[');
    const answer = await new Promise<string>((resolve) => socket.once('data', (d) => resolve(String(d))));
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(await held()).toBe(0);
  });
});
