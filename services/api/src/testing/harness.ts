import type { DecisionRecord } from '@hourglass/events';
import { topicNames } from '@hourglass/events';
import { createEmbeddedLog, type EmbeddedLog } from '@hourglass/log';
import {
  createHttpServer,
  createLogger,
  createMetricsRegistry,
  DEMO_TOKENS,
  developmentConfig,
} from '@hourglass/runtime';
import { createEmbeddedWarehouse, type Warehouse } from '@hourglass/warehouse';
import type { FastifyInstance, InjectOptions, RouteOptions } from 'fastify';
import type { Registry } from 'prom-client';
import { createApi, type PipelineStatus } from '../api';

export const TOKENS = {
  statistician: DEMO_TOKENS.statistician,
  admin: DEMO_TOKENS.admin,
  supervisor: DEMO_TOKENS.supervisor,
  supervisorCvto: DEMO_TOKENS.supervisorCvto,
  platform: DEMO_TOKENS.platforms.cvto,
} as const;
export type TokenName = keyof typeof TOKENS;

export const topics = topicNames('test.');

export interface Harness {
  app: FastifyInstance;
  warehouse: Warehouse;
  log: EmbeddedLog;
  registry: Registry;
  /** GET with the named token (or none); returns status, headers, text and parsed JSON (if JSON). */
  get(url: string, token?: TokenName | null, headers?: Record<string, string>): Promise<Answer>;
  post(
    url: string,
    body: unknown,
    token?: TokenName | null,
    headers?: Record<string, string>,
  ): Promise<Answer>;
  decide(flagId: string, decision: 'approve' | 'reject', note?: string, token?: TokenName): Promise<Answer>;
  /** Every decision record on the decisions topic so far. */
  decisionRecords(): Promise<DecisionRecord[]>;
  close(): Promise<void>;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are checked field by field
  json: any;
}

export interface HarnessOptions {
  warehouse?: Warehouse;
  classHourMinutes?: number;
  clock?: () => number;
  /** Default: always caught up. Given the harness's log, e.g. to read real consumer-group lag. */
  pipelineStatus?: (log: EmbeddedLog) => () => Promise<PipelineStatus>;
  /** Sees every route the API registers (Fastify's onRoute hook). */
  onRoute?: (route: RouteOptions) => void;
  /** Rows one stats/hours answer may hold (the API's default otherwise). */
  maxHoursRows?: number;
}

/** The API as the services mount it (runtime's server, embedded log), on the given or an embedded warehouse. */
export async function createHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const config = developmentConfig();
  if (opts.classHourMinutes !== undefined) config.classHourMinutes = opts.classHourMinutes;
  const warehouse = opts.warehouse ?? createEmbeddedWarehouse({ timeZone: config.timezone });
  await warehouse.migrate();
  const log = createEmbeddedLog({ partitions: 2 });
  await log.admin().ensureTopics(Object.values(topics).map((name) => ({ name, partitions: 2 })));
  const registry = createMetricsRegistry({ defaultMetrics: false });
  const logger = createLogger({ level: 'silent', name: 'api-test' });
  const app = createHttpServer({ logger, registry, readiness: async () => ({ ready: true, checks: {} }) });
  if (opts.onRoute) app.addHook('onRoute', opts.onRoute);
  let clock = 1_800_000_000_000;
  const api = createApi({
    config,
    warehouse,
    decisions: log.producer(),
    topics,
    registry,
    logger,
    clock: opts.clock ?? (() => clock++),
    pipelineStatus: opts.pipelineStatus?.(log) ?? (async () => ({ caughtUp: true, stages: [] })),
    ...(opts.maxHoursRows === undefined ? {} : { maxHoursRows: opts.maxHoursRows }),
  });
  api.register(app);
  await app.ready();

  async function request(o: InjectOptions, token: TokenName | null | undefined): Promise<Answer> {
    const headers: Record<string, string> = { ...(o.headers as Record<string, string>) };
    if (token) headers.authorization = `Bearer ${TOKENS[token]}`;
    const res = await app.inject({ ...o, headers });
    const type = String(res.headers['content-type'] ?? '');
    return {
      status: res.statusCode,
      headers: res.headers,
      text: res.body,
      json: type.startsWith('application/json') ? res.json() : undefined,
    };
  }

  let readers = 0;
  return {
    app,
    warehouse,
    log,
    registry,
    get: (url, token = 'admin', headers = {}) => request({ method: 'GET', url, headers }, token),
    post: (url, body, token = 'admin', headers = {}) =>
      request(
        {
          method: 'POST',
          url,
          headers: { 'content-type': 'application/json', ...headers },
          payload: typeof body === 'string' ? body : JSON.stringify(body),
        },
        token,
      ),
    decide: (flagId, decision, note = 'checked', token = 'supervisor') =>
      request(
        {
          method: 'POST',
          url: `/v1/flags/${flagId}/decision`,
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({ decision, note }),
        },
        token,
      ),
    async decisionRecords() {
      const ends = await log.admin().endOffsets(topics.decisions);
      const total = ends.reduce((n, e) => n + Number(e.offset), 0);
      if (total === 0) return [];
      const out: DecisionRecord[] = [];
      const consumer = log.consumer({ groupId: `reader-${readers++}` });
      await new Promise<void>((resolve) => {
        void consumer.start({
          topics: [topics.decisions],
          fromBeginning: true,
          onBatch: async (b) => {
            for (const r of b.records) out.push(JSON.parse(r.value) as DecisionRecord);
            if (out.length >= total) resolve();
          },
        });
      });
      await consumer.stop();
      return out;
    },
    async close() {
      await app.close();
      await log.close();
      await warehouse.close();
    },
  };
}
