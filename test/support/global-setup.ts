/**
 * vitest global setup. By default the integration tests use the servers named in the environment
 * (KAFKA_BROKERS, REDIS_URL, CLICKHOUSE_URL — deploy/local/services.sh starts them natively). On a
 * machine with a Docker engine, HOURGLASS_TESTCONTAINERS=1 starts the same three servers with
 * testcontainers instead and points the tests at them. Without either, integration tests fail with
 * a message that says how to start the services; nothing is skipped.
 */
import type { StartedTestContainer } from 'testcontainers';

const KAFKA_HOST_PORT = 19092;

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.HOURGLASS_TESTCONTAINERS !== '1') return undefined;
  const { GenericContainer, Wait } = await import('testcontainers');
  const started: StartedTestContainer[] = [];
  // Kafka must advertise an address the host can reach, so it is bound to a fixed host port.
  const kafka = await new GenericContainer('apache/kafka:4.1.1')
    .withExposedPorts({ container: KAFKA_HOST_PORT, host: KAFKA_HOST_PORT })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: `PLAINTEXT://:${KAFKA_HOST_PORT},CONTROLLER://:9093`,
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${KAFKA_HOST_PORT}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_NUM_PARTITIONS: '4',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  started.push(kafka);
  const redis = await new GenericContainer('redis:7.0')
    .withCommand(['redis-server', '--appendonly', 'yes'])
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
    .start();
  started.push(redis);
  const clickhouse = await new GenericContainer('yandex/clickhouse-server:18.16')
    .withExposedPorts(8123)
    .withWaitStrategy(Wait.forHttp('/ping', 8123))
    .start();
  started.push(clickhouse);
  process.env.KAFKA_BROKERS = `127.0.0.1:${KAFKA_HOST_PORT}`;
  process.env.REDIS_URL = `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`;
  process.env.CLICKHOUSE_URL = `http://${clickhouse.getHost()}:${clickhouse.getMappedPort(8123)}`;
  return async () => {
    for (const c of started.reverse()) await c.stop();
  };
}
