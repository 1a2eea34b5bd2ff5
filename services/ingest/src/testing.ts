/** Test support (not exported from the package): an ingest app over the embedded log. */
import { randomUUID } from 'node:crypto';
import { topicNames } from '@hourglass/events';
import { createEmbeddedLog, type EmbeddedLog, type LogProducer, type LogRecord } from '@hourglass/log';
import { type Config, createLogger, createMetricsRegistry, hashToken, parseConfig } from '@hourglass/runtime';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Ingest } from './ingest';
import { createIngestServer } from './server';

export const TOKENS = {
  cvto: 'tok-cvto',
  skillup: 'tok-skillup',
  admin: 'tok-admin',
  supervisor: 'tok-supervisor',
  statistician: 'tok-statistician',
} as const;

export const NOW = Date.UTC(2026, 2, 1, 12);

export function testConfig(
  overrides: { maxBodyBytes?: number; maxInFlightBodyBytes?: number; skillupRate?: number } = {},
): Config {
  return parseConfig({
    platforms: [
      { id: 'cvto', name: 'CVTO', tokens: [hashToken(TOKENS.cvto)] },
      {
        id: 'skillup',
        name: 'SkillUp',
        tokens: [hashToken(TOKENS.skillup)],
        rateLimitPerSec: overrides.skillupRate ?? 100,
      },
    ],
    users: [
      { name: 'ops', role: 'admin', tokens: [hashToken(TOKENS.admin)] },
      { name: 'wang', role: 'supervisor', platforms: ['*'], tokens: [hashToken(TOKENS.supervisor)] },
      { name: 'stats', role: 'statistician', tokens: [hashToken(TOKENS.statistician)] },
    ],
    ingest: {
      maxBodyBytes: overrides.maxBodyBytes ?? 1024 * 1024,
      ...(overrides.maxInFlightBodyBytes !== undefined
        ? { maxInFlightBodyBytes: overrides.maxInFlightBodyBytes }
        : {}),
    },
  });
}

export interface Harness {
  app: FastifyInstance;
  log: EmbeddedLog;
  ingest: Ingest;
  registry: Registry;
  topics: ReturnType<typeof topicNames>;
  clock: { now: number };
  /** Records appended so far to the events and rejected topics, in append order per partition. */
  read(topic: 'events' | 'rejected'): Promise<LogRecord[]>;
  /** Total records on a topic (sum of end offsets). */
  count(topic: 'events' | 'rejected'): Promise<number>;
  close(): Promise<void>;
}

export async function createHarness(
  opts: { config?: Config; producer?: (log: EmbeddedLog) => LogProducer } = {},
): Promise<Harness> {
  const log = createEmbeddedLog({ partitions: 4 });
  const topics = topicNames(`t-${randomUUID().slice(0, 8)}.`);
  await log.admin().ensureTopics([
    { name: topics.events, partitions: 4 },
    { name: topics.rejected, partitions: 2 },
  ]);
  const clock = { now: NOW };
  const logger = createLogger({ level: 'silent', name: 'ingest-test' });
  const registry = createMetricsRegistry({ defaultMetrics: false });
  const producer = opts.producer ? opts.producer(log) : log.producer();
  const { ingest, app } = createIngestServer({
    config: opts.config ?? testConfig(),
    log: producer,
    topics,
    registry,
    logger,
    clock: () => clock.now,
  });
  await app.ready();

  const count = async (topic: 'events' | 'rejected') => {
    const ends = await log.admin().endOffsets(topics[topic]);
    return ends.reduce((s, e) => s + Number(e.offset), 0);
  };
  const read = async (topic: 'events' | 'rejected') => {
    const total = await count(topic);
    const out: LogRecord[] = [];
    if (total === 0) return out;
    const consumer = log.consumer({ groupId: `read-${randomUUID()}`, maxWaitTimeMs: 10 });
    await consumer.start({
      topics: [topics[topic]],
      fromBeginning: true,
      onBatch: async (batch) => {
        out.push(...batch.records);
      },
    });
    const until = Date.now() + 5000;
    while (out.length < total && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    await consumer.stop();
    return out;
  };
  return {
    app,
    log,
    ingest,
    registry,
    topics,
    clock,
    read,
    count,
    close: async () => {
      await app.close();
      await log.close();
    },
  };
}

let seq = 0;

/** A valid heartbeat of `platformId`, one minute before NOW. */
export function heartbeat(patch: Record<string, unknown> = {}, platformId = 'cvto'): Record<string, unknown> {
  seq++;
  return {
    id: `hb-${seq}`,
    type: 'heartbeat',
    time: '2026-03-01T11:59:00.000Z',
    platformId,
    learnerId: `L${seq % 7}`,
    sessionId: `S${seq % 7}`,
    courseId: 'C1',
    seq,
    intervalSec: 30,
    focus: true,
    interactions: 3,
    ...patch,
  };
}

export function post(
  h: Harness,
  body: unknown,
  opts: { token?: string | null; type?: string; url?: string; raw?: string | Buffer } = {},
) {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? TOKENS.cvto : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (opts.type !== '') headers['content-type'] = opts.type ?? 'application/json';
  return h.app.inject({
    method: 'POST',
    url: opts.url ?? '/v1/events',
    headers,
    payload: opts.raw ?? JSON.stringify(body),
  });
}
