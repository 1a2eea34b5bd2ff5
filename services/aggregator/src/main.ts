/**
 * Standalone aggregator process (`hourglass aggregator`): wiring only. Consumes the detector's
 * outputs, decisions, rejected events and counts from Kafka and writes them to ClickHouse.
 */
import { consumerGroups, topicNames } from '@hourglass/events';
import { ensurePipelineTopics, openLog } from '@hourglass/log';
import {
  createHttpServer,
  createLogger,
  createMetricsRegistry,
  loadConfig,
  loadEnv,
  registerShutdown,
  runIfMain,
} from '@hourglass/runtime';
import { openWarehouse } from '@hourglass/warehouse';
import { createAggregator } from './aggregator';

export async function main(processEnv: NodeJS.ProcessEnv): Promise<void> {
  const env = loadEnv(processEnv);
  const config = loadConfig(env.configPath);
  const logger = createLogger({ level: env.logLevel, name: 'hourglass-aggregator' });
  const registry = createMetricsRegistry();
  const topics = topicNames(env.topicPrefix);
  const log = openLog({ brokers: env.kafkaBrokers, clientId: 'hourglass-aggregator', logger });
  const warehouse = openWarehouse({ url: env.clickhouseUrl, timeZone: config.timezone });
  logger.info({ log: log.kind, warehouse: warehouse.kind }, 'hourglass aggregator starting');
  await warehouse.migrate();
  const aggregator = createAggregator({
    log,
    warehouse,
    topics,
    groupId: consumerGroups(env.topicPrefix).aggregator,
    registry,
    logger,
    ...(env.kafkaSessionTimeoutMs ? { sessionTimeoutMs: env.kafkaSessionTimeoutMs } : {}),
    ...(env.aggregatorBatchRows ? { maxGroupRows: env.aggregatorBatchRows } : {}),
  });
  const app = createHttpServer({
    logger,
    registry,
    readiness: async () => {
      const ok = await warehouse.ping().then(
        () => true,
        () => false,
      );
      const consumer = aggregator.status().consumerHealthy;
      return { ready: ok && consumer, checks: { warehouse: ok, consumer } };
    },
  });
  await ensurePipelineTopics(log, topics);
  await aggregator.start();
  await app.listen({ port: env.port, host: '0.0.0.0' });
  registerShutdown({
    logger,
    steps: [
      { name: 'http', run: () => app.close() },
      { name: 'aggregator', run: () => aggregator.stop() },
      { name: 'warehouse', run: () => warehouse.close() },
      { name: 'log', run: () => log.close() },
    ],
  });
}

await runIfMain({ moduleUrl: import.meta.url, name: 'aggregator', main: () => main(process.env) });
