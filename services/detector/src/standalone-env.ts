import { ConfigError } from '@hourglass/runtime';

/**
 * The standalone detector (`hourglass detector`) on Kafka needs REDIS_URL. With its state in memory every
 * restart would rebuild from the log under the shared group, counting the batch a crash left produced but
 * uncommitted twice; `hourglass start` avoids that with a group of each start's own, which a separate
 * `hourglass api` could not follow. One process on Kafka without Redis is what `hourglass start` is for.
 */
export function refuseMemoryStateOnKafka(env: { kafkaBrokers?: readonly string[]; redisUrl?: string }): void {
  if (env.kafkaBrokers === undefined || env.redisUrl !== undefined) return;
  throw new ConfigError('env_invalid', 'invalid environment', [
    'KAFKA_BROKERS is set but REDIS_URL is not: `hourglass detector` keeps its state in Redis beside ' +
      "Kafka's offsets (in memory, a restart after a crash would count events twice). Set REDIS_URL, or " +
      'run everything in one process with `hourglass start`',
  ]);
}
