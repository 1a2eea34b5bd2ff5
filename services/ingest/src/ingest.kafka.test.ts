import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { type AcceptedEvent, type RejectedEvent, topicNames } from '@hourglass/events';
import { createKafkaLog, type Log, type LogProducer, type LogRecord } from '@hourglass/log';
import { onLocalKafka } from '@hourglass/log/testing/local-kafka';
import { createLogger, createMetricsRegistry } from '@hourglass/runtime';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestServer } from './server';
import { heartbeat, TOKENS, testConfig } from './testing';

onLocalKafka('ingest on Kafka', (brokers) => {
  describe('ingest on Kafka', () => {
    const logger = createLogger({ level: 'silent', name: 'ingest-kafka-test' });
    let log: Log;
    const created: string[] = [];

    /** Each test gets its own topics (unique prefix), created up front like a deployment would. */
    async function freshTopics() {
      const topics = topicNames(`it-ingest-${randomUUID().slice(0, 8)}.`);
      await log.admin().ensureTopics([
        { name: topics.events, partitions: 4 },
        { name: topics.rejected, partitions: 2 },
      ]);
      created.push(topics.events, topics.rejected);
      return topics;
    }

    function appOn(target: Log, topics: { events: string; rejected: string }): FastifyInstance {
      const registry = createMetricsRegistry({ defaultMetrics: false });
      const { app } = createIngestServer({
        config: testConfig(),
        log: target.producer(),
        topics,
        registry,
        logger,
      });
      return app;
    }

    async function total(topic: string): Promise<number> {
      const ends = await log.admin().endOffsets(topic);
      return ends.reduce((s, e) => s + Number(e.offset), 0);
    }

    async function readAll(topic: string, expected: number): Promise<LogRecord[]> {
      const out: LogRecord[] = [];
      const consumer = log.consumer({
        groupId: `it-read-${randomUUID()}`,
        sessionTimeoutMs: 6000,
        heartbeatIntervalMs: 500,
        rebalanceTimeoutMs: 6000,
        maxWaitTimeMs: 100,
      });
      await consumer.start({
        topics: [topic],
        fromBeginning: true,
        onBatch: async (batch) => {
          out.push(...batch.records);
        },
      });
      const until = Date.now() + 20_000;
      while (out.length < expected && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      await consumer.stop();
      return out;
    }

    beforeAll(async () => {
      log = createKafkaLog({ brokers, clientId: 'hourglass-ingest-it' });
    });
    afterAll(async () => {
      await log.admin().deleteTopics?.(created);
      await log.close();
    });

    it('writes accepted events keyed by learner with receivedAt, and rejected ones with reasons', async () => {
      const topics = await freshTopics();
      const app = appOn(log, topics);
      const now = Date.now();
      const time = new Date(now - 5000).toISOString();
      const events = [
        heartbeat({ id: 'k-ok-1', time, learnerId: 'kafka-L1' }),
        heartbeat({ id: 'k-bad', time, seq: -1 }),
        heartbeat({ id: 'k-ok-2', time, learnerId: 'kafka-L2' }),
      ];
      const r = await app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { authorization: `Bearer ${TOKENS.cvto}`, 'content-type': 'application/json' },
        payload: JSON.stringify(events),
      });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ accepted: 2, rejected: 1, errors: [{ index: 1, id: 'k-bad' }] });
      expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);

      const accepted = await readAll(topics.events, 2);
      expect(accepted.map((x) => x.key).sort()).toEqual(['kafka-L1', 'kafka-L2']);
      for (const rec of accepted) {
        const ev = JSON.parse(rec.value) as AcceptedEvent;
        expect(ev.learnerId).toBe(rec.key);
        expect(Date.parse(ev.receivedAt)).toBeGreaterThanOrEqual(now);
        expect(Date.parse(ev.receivedAt)).toBeLessThanOrEqual(Date.now());
      }
      const rejected = await readAll(topics.rejected, 1);
      expect(rejected).toHaveLength(1);
      expect(rejected[0]?.key).toBe('cvto');
      const rec = JSON.parse(rejected[0]!.value) as RejectedEvent;
      expect(rec).toMatchObject({
        platformId: 'cvto',
        source: 'ingest',
        index: 1,
        id: 'k-bad',
        truncated: false,
      });
      expect(rec.errors[0]).toMatchObject({ path: 'heartbeat.seq', code: 'too_small' });
      expect(JSON.parse(rec.raw)).toEqual(events[1]);
      await app.close();
    }, 60_000);

    it('records a body of large rejected events within Kafka message limits', async () => {
      const topics = await freshTopics();
      const app = appOn(log, topics);
      // 15 events of ~68 kB each, full of characters JSON must escape: ~1 MB of body and about twice that
      // on the rejected topic, each record truncated to 64 KiB of raw JSON.
      const big = (i: number) => heartbeat({ id: `big-${i}`, ext: { blob: '"\\'.repeat(17_000) } });
      const payload = JSON.stringify(Array.from({ length: 15 }, (_, i) => big(i)));
      expect(payload.length).toBeLessThan(1024 * 1024);
      const r = await app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { authorization: `Bearer ${TOKENS.cvto}`, 'content-type': 'application/json' },
        payload,
      });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ accepted: 0, rejected: 15 });
      const rejected = await readAll(topics.rejected, 15);
      expect(rejected).toHaveLength(15);
      for (const rec of rejected) expect((JSON.parse(rec.value) as RejectedEvent).truncated).toBe(true);
      await app.close();
    }, 60_000);

    // A request pipelined behind one in flight when the shutdown begins is not taken: it is answered 503
    // before any work (http-server.ts), and the answer in flight says `Connection: close` (so the shutdown
    // need not wait out the keep-alive timeout), so that 503 may never arrive; an HTTP client sends a
    // request left unanswered on a closed connection again. Without the 503 its event was accepted and
    // its answer lost.
    it('a request pipelined behind one in flight at shutdown is not taken: the answer in flight closes the connection', async () => {
      const topics = await freshTopics();
      // The first send waits at a gate, so its connection is busy when the shutdown begins.
      const producer = log.producer();
      let entered!: () => void;
      const inSend = new Promise<void>((resolve) => {
        entered = resolve;
      });
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const gated: LogProducer = {
        connect: () => producer.connect(),
        disconnect: () => producer.disconnect(),
        isConnected: () => producer.isConnected(),
        send: async (records) => {
          entered();
          await gate;
          return producer.send(records);
        },
      };
      const { app } = createIngestServer({
        config: testConfig(),
        log: gated,
        topics,
        registry: createMetricsRegistry({ defaultMetrics: false }),
        logger,
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as { port: number };
      const request = (body: string) =>
        `POST /v1/events HTTP/1.1\r\nHost: ingest\r\nAuthorization: Bearer ${TOKENS.cvto}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
      const socket = connect(port, '127.0.0.1');
      let answers = '';
      socket.on('data', (chunk) => {
        answers += chunk.toString();
      });
      const closedSocket = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      const time = new Date(Date.now() - 5000).toISOString();
      socket.write(request(JSON.stringify([heartbeat({ id: 'drain-1', time })])));
      await inSend;
      const closing = app.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Pipelined behind the first request, on the same (busy) connection, after the shutdown began.
      socket.write(request(JSON.stringify([heartbeat({ id: 'drain-2', time })])));
      await new Promise((resolve) => setTimeout(resolve, 100));
      release();
      await closedSocket;
      await closing;
      await producer.disconnect();

      const [first, ...more] = answers.split(/(?=HTTP\/1\.1 )/);
      expect(first).toMatch(/^HTTP\/1\.1 200 /);
      expect(first?.toLowerCase()).toMatch(/\r\nconnection: close\r\n/);
      expect(more).toEqual([]);
      // Only the first event was accepted.
      const accepted = await readAll(topics.events, 1);
      expect(accepted.map((r) => (JSON.parse(r.value) as AcceptedEvent).id)).toEqual(['drain-1']);
    }, 60_000);

    it('answers 503 and reports nothing accepted when the broker is dead', async () => {
      const dead = createKafkaLog({
        brokers: ['127.0.0.1:1'],
        clientId: 'hourglass-ingest-dead',
        connectionTimeoutMs: 500,
        sendTimeoutMs: 3000,
      });
      const topics = await freshTopics();
      const app = appOn(dead, topics);
      const before = [await total(topics.events), await total(topics.rejected)];
      const r = await app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { authorization: `Bearer ${TOKENS.cvto}`, 'content-type': 'application/json' },
        payload: JSON.stringify([heartbeat({ time: new Date().toISOString() }), heartbeat({ seq: -1 })]),
      });
      expect(r.statusCode).toBe(503);
      expect(r.headers['retry-after']).toBe('5');
      expect(r.json().error.code).toBe('unavailable');
      expect(r.json()).not.toHaveProperty('accepted');
      expect((await app.inject({ url: '/readyz' })).statusCode).toBe(503);
      expect([await total(topics.events), await total(topics.rejected)]).toEqual(before);
      await app.close();
      await dead.close();
    }, 60_000);
  });
});
