/**
 * Standalone detector process (`hourglass detector`): wiring only. Consumes the events topic from
 * Kafka, keeps learner state in Redis, produces segments, flags, sessions, certificates and counts.
 */
import { consumerGroups, createDayOf, stateKeyPrefix, topicNames } from '@hourglass/events';
import { ensurePipelineTopics, openLog } from '@hourglass/log';
import {
  createHttpServer,
  createLogger,
  createMetricsRegistry,
  loadConfig,
  loadEnv,
  policyForConfig,
  registerShutdown,
  runIfMain,
} from '@hourglass/runtime';
import { openStateStore } from '@hourglass/state';
import { createDetector } from './detector';
import { refuseMemoryStateOnKafka } from './standalone-env';

export async function main(processEnv: NodeJS.ProcessEnv): Promise<void> {
  const env = loadEnv(processEnv);
  refuseMemoryStateOnKafka(env);
  const config = loadConfig(env.configPath);
  const logger = createLogger({ level: env.logLevel, name: 'hourglass-detector' });
  const registry = createMetricsRegistry();
  const topics = topicNames(env.topicPrefix);
  const log = openLog({ brokers: env.kafkaBrokers, clientId: 'hourglass-detector', logger });
  const state = openStateStore({ url: env.redisUrl, keyPrefix: stateKeyPrefix(env.topicPrefix) });
  logger.info({ log: log.kind, state: state.kind }, 'hourglass detector starting');
  const detector = createDetector({
    log,
    state,
    policyFor: policyForConfig(config),
    dayOf: createDayOf(config.timezone),
    eventsTopic: topics.events,
    topics,
    groupId: consumerGroups(env.topicPrefix).detector,
    registry,
    logger,
    ...(env.kafkaSessionTimeoutMs ? { sessionTimeoutMs: env.kafkaSessionTimeoutMs } : {}),
  });
  const app = createHttpServer({
    logger,
    registry,
    readiness: async () => {
      const { producerConnected: producer, consumerHealthy: consumer } = detector.status();
      // Without the state store no batch can commit, without the consumer none comes: not ready,
      // though the process is alive.
      const stateStore = await state.ping().then(
        () => true,
        () => false,
      );
      return {
        ready: producer && consumer && stateStore,
        checks: { producer, consumer, state: stateStore },
      };
    },
  });
  await ensurePipelineTopics(log, topics);
  await detector.start();
  await app.listen({ port: env.port, host: '0.0.0.0' });
  registerShutdown({
    logger,
    steps: [
      { name: 'http', run: () => app.close() },
      { name: 'detector', run: () => detector.stop() },
      { name: 'state', run: () => state.close() },
      { name: 'log', run: () => log.close() },
    ],
  });
}

await runIfMain({ moduleUrl: import.meta.url, name: 'detector', main: () => main(process.env) });
