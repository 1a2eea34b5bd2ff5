/**
 * Standalone ingest process (`hourglass ingest`): wiring only. Stateless; scale it by running more
 * processes behind a load balancer (rate limits are per process, see README).
 */
import { topicNames } from '@hourglass/events';
import { ensurePipelineTopics, openLog } from '@hourglass/log';
import {
  createLogger,
  createMetricsRegistry,
  listenHost,
  loadConfig,
  loadEnv,
  registerShutdown,
  runIfMain,
} from '@hourglass/runtime';
import { createIngestServer } from './server';

export async function main(processEnv: NodeJS.ProcessEnv): Promise<void> {
  const env = loadEnv(processEnv);
  const config = loadConfig(env.configPath);
  const logger = createLogger({ level: env.logLevel, name: 'hourglass-ingest' });
  const registry = createMetricsRegistry();
  const topics = topicNames(env.topicPrefix);
  const log = openLog({ brokers: env.kafkaBrokers, clientId: 'hourglass-ingest', logger });
  logger.info({ log: log.kind, configured: env.configPath !== undefined }, 'hourglass ingest starting');
  await ensurePipelineTopics(log, topics);
  const producer = log.producer({ clientId: 'hourglass-ingest' });
  const { app } = createIngestServer({ config, log: producer, topics, registry, logger });
  // Not fatal: the process starts unready and /readyz keeps asking the producer to connect.
  await producer.connect().catch((err: unknown) => logger.warn({ err }, 'log producer not connected yet'));
  // Without HOURGLASS_CONFIG the demo tokens are accepted: loopback only (listenHost).
  await app.listen({ port: env.port, host: listenHost(env.configPath === undefined) });
  registerShutdown({
    logger,
    steps: [
      { name: 'http', run: () => app.close() },
      { name: 'producer', run: () => producer.disconnect() },
      { name: 'log', run: () => log.close() },
    ],
  });
}

await runIfMain({ moduleUrl: import.meta.url, name: 'ingest', main: () => main(process.env) });
