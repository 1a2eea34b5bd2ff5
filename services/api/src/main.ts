/**
 * Standalone query API process (`hourglass api`): wiring only. Reads the warehouse (ClickHouse when
 * CLICKHOUSE_URL is set), records decisions on the decisions topic, reports pipeline lag from the log.
 */
import { topicNames } from '@hourglass/events';
import { ensurePipelineTopics, openLog } from '@hourglass/log';
import {
  createHttpServer,
  createLogger,
  createMetricsRegistry,
  listenHost,
  loadConfig,
  loadEnv,
  registerShutdown,
  runIfMain,
} from '@hourglass/runtime';
import { openWarehouse } from '@hourglass/warehouse';
import { createApi } from './api';
import { createStandalonePipelineStatus, pipelineStages } from './pipeline-status';

export async function main(processEnv: NodeJS.ProcessEnv): Promise<void> {
  const env = loadEnv(processEnv);
  const config = loadConfig(env.configPath);
  const logger = createLogger({ level: env.logLevel, name: 'hourglass-api' });
  const registry = createMetricsRegistry();
  const topics = topicNames(env.topicPrefix);
  const log = openLog({ brokers: env.kafkaBrokers, clientId: 'hourglass-api', logger });
  const warehouse = openWarehouse({ url: env.clickhouseUrl, timeZone: config.timezone });
  logger.info({ log: log.kind, warehouse: warehouse.kind }, 'hourglass api starting');
  await warehouse.migrate();
  await ensurePipelineTopics(log, topics);
  const producer = log.producer({ clientId: 'hourglass-api' });
  const api = createApi({
    config,
    warehouse,
    decisions: producer,
    topics,
    registry,
    logger,
    pipelineStatus: createStandalonePipelineStatus({
      log,
      warehouse,
      stages: pipelineStages(env.topicPrefix, topics),
    }),
  });
  const app = createHttpServer({
    logger,
    registry,
    readiness: async () => {
      const ok = await warehouse.ping().then(
        () => true,
        () => false,
      );
      return { ready: ok, checks: { warehouse: ok } };
    },
  });
  api.register(app);
  // Not fatal: decisions answer 503 until the producer connects; queries work meanwhile.
  await producer
    .connect()
    .catch((err: unknown) => logger.warn({ err }, 'decisions producer not connected yet'));
  // Without HOURGLASS_CONFIG the demo tokens are accepted: loopback only (listenHost).
  await app.listen({ port: env.port, host: listenHost(env.configPath === undefined) });
  registerShutdown({
    logger,
    steps: [
      { name: 'http', run: () => app.close() },
      { name: 'producer', run: () => producer.disconnect() },
      { name: 'warehouse', run: () => warehouse.close() },
      { name: 'log', run: () => log.close() },
    ],
  });
}

await runIfMain({ moduleUrl: import.meta.url, name: 'api', main: () => main(process.env) });
