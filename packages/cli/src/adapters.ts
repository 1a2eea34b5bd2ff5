import { createEmbeddedLog, createKafkaLog, type Log } from '@hourglass/log';
import type { Config, Env } from '@hourglass/runtime';
import { createMemoryStateStore, createRedisStateStore, type StateStore } from '@hourglass/state';
import {
  clickHouseOptionsFromUrl,
  createClickHouseWarehouse,
  createEmbeddedWarehouse,
  type Warehouse,
} from '@hourglass/warehouse';

export interface Adapters {
  log: Log;
  state: StateStore;
  warehouse: Warehouse;
  /** What runs behind each port: the first log line says it. */
  modes: { log: 'kafka' | 'embedded'; state: 'redis' | 'memory'; warehouse: 'clickhouse' | 'embedded' };
}

/** Each variable switches its part to the real server; unset means the embedded in-process adapter. */
export function buildAdapters(env: Env, config: Config, clientId: string, partitions = 4): Adapters {
  const log = env.kafkaBrokers
    ? createKafkaLog({ brokers: env.kafkaBrokers, clientId })
    : createEmbeddedLog({ partitions });
  const state = env.redisUrl
    ? createRedisStateStore({ url: env.redisUrl, keyPrefix: `hg:${env.topicPrefix}` })
    : createMemoryStateStore();
  const warehouse = env.clickhouseUrl
    ? createClickHouseWarehouse({ ...clickHouseOptionsFromUrl(env.clickhouseUrl), timeZone: config.timezone })
    : createEmbeddedWarehouse({ timeZone: config.timezone });
  return { log, state, warehouse, modes: { log: log.kind, state: state.kind, warehouse: warehouse.kind } };
}
