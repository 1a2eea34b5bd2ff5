import { topicNames } from '@hourglass/events';
import { createKafkaLog } from '@hourglass/log';
import { clickHouseOptionsFromUrl, createClickHouseWarehouse } from '@hourglass/warehouse';
import { freePort, type ServiceProcess, serviceProcess } from './processes';
import { realServers, uniqueName } from './servers';

/**
 * An aggregator run of its own on the real Kafka and ClickHouse: a unique topic prefix (topics made
 * with 4 partitions), a database of its own read through the warehouse port, and the process; topics
 * and database are dropped afterwards.
 */
export async function aggregatorRun(opts: {
  name: string;
  cleanups: (() => Promise<unknown>)[];
  sessionTimeoutMs: number;
  /** Rows per warehouse write: small, so that a signal lands between writes and commits. */
  batchRows: number;
}) {
  const servers = realServers();
  const prefix = `${uniqueName(opts.name)}.`;
  const topics = topicNames(prefix);
  const database = `hg_fault_${prefix.replace(/[^A-Za-z0-9]/g, '_')}`.slice(0, 60);
  const clickhouse = `${servers.clickhouseUrl.replace(/\/$/, '')}/${database}`;
  const log = createKafkaLog({ brokers: servers.kafkaBrokers.split(','), clientId: opts.name });
  opts.cleanups.push(() => log.close());
  await log.admin().ensureTopics(Object.values(topics).map((name) => ({ name, partitions: 4 })));
  opts.cleanups.push(async () => log.admin().deleteTopics?.(Object.values(topics)));
  opts.cleanups.push(() =>
    fetch(`${servers.clickhouseUrl}/?query=${encodeURIComponent(`DROP DATABASE IF EXISTS ${database}`)}`, {
      method: 'POST',
    }),
  );
  const warehouse = createClickHouseWarehouse({
    ...clickHouseOptionsFromUrl(clickhouse),
    timeZone: 'Asia/Shanghai',
  });
  opts.cleanups.push(() => warehouse.close());
  const aggregator: ServiceProcess = serviceProcess({
    command: 'aggregator',
    name: `${prefix}aggregator`,
    port: await freePort(),
    env: {
      KAFKA_BROKERS: servers.kafkaBrokers,
      CLICKHOUSE_URL: clickhouse,
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_SESSION_TIMEOUT_MS: String(opts.sessionTimeoutMs),
      AGGREGATOR_BATCH_ROWS: String(opts.batchRows),
    },
  });
  opts.cleanups.push(() => aggregator.stop());
  return { servers, prefix, topics, database, log, warehouse, aggregator, group: `${prefix}aggregator` };
}
