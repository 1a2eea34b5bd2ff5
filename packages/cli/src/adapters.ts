import { stateKeyPrefix } from '@hourglass/events';
import { DEFAULT_PARTITIONS, type Log, openLog, type PinoLikeLogger } from '@hourglass/log';
import type { Config, Env } from '@hourglass/runtime';
import { openStateStore, type StateStore } from '@hourglass/state';
import { openWarehouse, type Warehouse } from '@hourglass/warehouse';

export interface Adapters {
  log: Log;
  state: StateStore;
  warehouse: Warehouse;
  /** What runs behind each port: the first log line says it. */
  modes: { log: 'kafka' | 'embedded'; state: 'redis' | 'memory'; warehouse: 'clickhouse' | 'embedded' };
}

export interface AdaptersOptions {
  env: Env;
  config: Config;
  clientId: string;
  /** Partitions of the pipeline topics (default DEFAULT_PARTITIONS). */
  partitions?: number;
  logger?: PinoLikeLogger;
}

/** Each variable switches its part to the real server; unset means the embedded in-process adapter. */
export function buildAdapters(options: AdaptersOptions): Adapters {
  const { env, config, clientId, partitions = DEFAULT_PARTITIONS, logger } = options;
  // The log's consumers report retried batches (a corrupt learner state, say) and kafkajs' errors here.
  const log = openLog({ brokers: env.kafkaBrokers, clientId, partitions, ...(logger ? { logger } : {}) });
  const state = openStateStore({ url: env.redisUrl, keyPrefix: stateKeyPrefix(env.topicPrefix) });
  const warehouse = openWarehouse({ url: env.clickhouseUrl, timeZone: config.timezone });
  return { log, state, warehouse, modes: { log: log.kind, state: state.kind, warehouse: warehouse.kind } };
}
