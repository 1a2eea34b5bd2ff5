import { createAggregator } from '@hourglass/aggregator';
import { createApi, createLogPipelineStatus, pipelineStages } from '@hourglass/api';
import { createDetector } from '@hourglass/detector';
import { consumerGroups, createDayOf, topicNames } from '@hourglass/events';
import { createIngest } from '@hourglass/ingest';
import { DEFAULT_PARTITIONS, ensurePipelineTopics } from '@hourglass/log';
import {
  type Config,
  ConfigError,
  createHttpServer,
  createLogger,
  createMetricsRegistry,
  DEMO_TOKENS,
  type Env,
  listenHost,
  policyForConfig,
  registerShutdown,
} from '@hourglass/runtime';
import { buildAdapters } from '../adapters';
import { groupsOfThisStart } from './start-groups';

export interface RunningHourglass {
  url: string;
  pipelineStatus: ReturnType<typeof createLogPipelineStatus>;
  close(): Promise<void>;
}

/**
 * `hourglass start`: ingest, detector, aggregator and API in one process on one port. With no
 * KAFKA_BROKERS / REDIS_URL / CLICKHOUSE_URL every port uses its embedded adapter.
 */
export async function startAllInOne(opts: {
  env: Env;
  config: Config;
  isDevelopmentConfig: boolean;
  out?: NodeJS.WritableStream;
  registerSignals?: boolean;
  /** Partitions of topics this process creates (default 4); tests use 1 for a global event order. */
  partitions?: number;
}): Promise<RunningHourglass> {
  const { env, config } = opts;
  refuseEmbeddedLogUnderServers(env);
  const logger = createLogger({ level: env.logLevel, name: 'hourglass' });
  const registry = createMetricsRegistry();
  const topics = topicNames(env.topicPrefix);
  const partitions = opts.partitions ?? DEFAULT_PARTITIONS;
  const adapters = buildAdapters({ env, config, clientId: 'hourglass', partitions, logger });
  logger.info(
    { ...adapters.modes },
    `hourglass starting: log=${adapters.modes.log} state=${adapters.modes.state} warehouse=${adapters.modes.warehouse}`,
  );

  await ensurePipelineTopics(adapters.log, topics, partitions);
  await adapters.warehouse.migrate();
  const producer = adapters.log.producer({ clientId: 'hourglass-ingest' });
  await producer.connect();

  const groups = groupsOfThisStart(consumerGroups(env.topicPrefix), adapters.modes);
  const pipelineStatus = createLogPipelineStatus({
    admin: adapters.log.admin(),
    stages: pipelineStages(env.topicPrefix, topics, groups),
  });
  const detector = createDetector({
    log: adapters.log,
    state: adapters.state,
    policyFor: policyForConfig(config),
    dayOf: createDayOf(config.timezone),
    eventsTopic: topics.events,
    topics,
    groupId: groups.detector,
    registry,
    logger: logger.child({ service: 'detector' }),
    ...(env.kafkaSessionTimeoutMs ? { sessionTimeoutMs: env.kafkaSessionTimeoutMs } : {}),
  });
  const aggregator = createAggregator({
    log: adapters.log,
    warehouse: adapters.warehouse,
    topics,
    groupId: groups.aggregator,
    registry,
    logger: logger.child({ service: 'aggregator' }),
    ...(env.kafkaSessionTimeoutMs ? { sessionTimeoutMs: env.kafkaSessionTimeoutMs } : {}),
    ...(env.aggregatorBatchRows ? { maxGroupRows: env.aggregatorBatchRows } : {}),
  });
  const ingest = createIngest({
    config,
    log: producer,
    topics,
    registry,
    logger: logger.child({ service: 'ingest' }),
  });
  const api = createApi({
    config,
    warehouse: adapters.warehouse,
    decisions: producer,
    topics,
    registry,
    logger: logger.child({ service: 'api' }),
    pipelineStatus,
  });
  const app = createHttpServer({
    logger,
    registry,
    bodyLimit: config.ingest.maxBodyBytes,
    readiness: async () => {
      // ingest.ready() also asks a producer that failed a send to reconnect.
      // The warehouse too, as `hourglass api` and `hourglass aggregator` check it: every query needs it.
      const warehouse = await adapters.warehouse.ping().then(
        () => true,
        () => false,
      );
      // And the state store: without it the detector cannot commit, so nothing new is credited.
      const state = await adapters.state.ping().then(
        () => true,
        () => false,
      );
      const checks = {
        ingest: await ingest.ready(),
        detector: detector.status().producerConnected && detector.status().consumerHealthy,
        aggregator: aggregator.status().consumerHealthy,
        state,
        warehouse,
      };
      return { ready: Object.values(checks).every(Boolean), checks };
    },
  });
  ingest.register(app);
  api.register(app);
  await detector.start();
  await aggregator.start();
  await app.listen({ port: env.port, host: listenHost(opts.isDevelopmentConfig) });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : env.port;
  const url = `http://127.0.0.1:${port}`;

  const steps = [
    { name: 'http', run: () => app.close() },
    { name: 'detector', run: () => detector.stop() },
    { name: 'aggregator', run: () => aggregator.stop() },
    { name: 'producer', run: () => producer.disconnect() },
    { name: 'warehouse', run: () => adapters.warehouse.close() },
    { name: 'state', run: () => adapters.state.close() },
    { name: 'log', run: () => adapters.log.close() },
  ];
  if (opts.registerSignals !== false) registerShutdown({ logger, steps });
  if (opts.out) printWelcome(opts.out, url, opts.isDevelopmentConfig);
  return {
    url,
    pipelineStatus,
    async close() {
      for (const step of steps) await step.run();
    },
  };
}

/**
 * The embedded log starts empty, at offset 0, at every start. A Redis or ClickHouse kept from an earlier
 * start describes that earlier log's offsets: the detector would skip the new events as redeliveries
 * below the stored watermark (and re-produce the old outbox), and the warehouse would keep the earlier
 * count records and rejected events whose ids (log positions) the new ones reuse. So the embedded log
 * goes only with the embedded state store and warehouse.
 */
function refuseEmbeddedLogUnderServers(env: Env): void {
  if (env.kafkaBrokers !== undefined) return;
  const set = [
    ...(env.redisUrl === undefined ? [] : ['REDIS_URL']),
    ...(env.clickhouseUrl === undefined ? [] : ['CLICKHOUSE_URL']),
  ];
  if (set.length === 0) return;
  throw new ConfigError(
    'env_invalid',
    'invalid environment',
    set.map(
      (name) =>
        `${name} is set but KAFKA_BROKERS is not: the embedded log starts empty at every start, so what ` +
        `${name === 'REDIS_URL' ? 'Redis' : 'ClickHouse'} kept of an earlier start would no longer match it ` +
        '(events lost or miscounted after a restart). Set KAFKA_BROKERS too, or unset it',
    ),
  );
}

function printWelcome(out: NodeJS.WritableStream, url: string, dev: boolean): void {
  const lines = [
    '',
    `Hourglass is running at ${url}`,
    `  ingest:  POST ${url}/v1/events            query: GET ${url}/v1/stats/hours`,
    `  health:  ${url}/healthz  ${url}/readyz  ${url}/metrics   OpenAPI: ${url}/v1/openapi.json`,
  ];
  if (dev) {
    lines.push(
      '  development configuration (HOURGLASS_CONFIG unset) accepts these demo tokens:',
      ...Object.entries(DEMO_TOKENS.platforms).map(([p, t]) => `    platform ${p.padEnd(10)} Bearer ${t}`),
      `    supervisor (all)    Bearer ${DEMO_TOKENS.supervisor}`,
      `    supervisor (cvto)   Bearer ${DEMO_TOKENS.supervisorCvto}`,
      `    statistician        Bearer ${DEMO_TOKENS.statistician}`,
      `    admin               Bearer ${DEMO_TOKENS.admin}`,
    );
  }
  out.write(`${lines.join('\n')}\n\n`);
}
