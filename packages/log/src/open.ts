import { createEmbeddedLog } from './embedded/log';
import { createKafkaLog } from './kafka/log';
import type { Log, PinoLikeLogger } from './types';

/** Kafka when brokers are given (KAFKA_BROKERS), otherwise the embedded in-process log. */
export function openLog(opts: {
  brokers?: string[];
  clientId: string;
  logger?: PinoLikeLogger;
  partitions?: number;
}): Log {
  if (opts.brokers && opts.brokers.length > 0) {
    return createKafkaLog({
      brokers: opts.brokers,
      clientId: opts.clientId,
      ...(opts.logger ? { logger: opts.logger } : {}),
    });
  }
  return createEmbeddedLog({
    ...(opts.partitions ? { partitions: opts.partitions } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
}

/** Topics are created with this many partitions unless a deployment created them otherwise first. */
export const DEFAULT_PARTITIONS = 4;

/** Creates every pipeline topic that is missing (existing ones keep their partition count). */
export async function ensurePipelineTopics(
  log: Log,
  topics: Readonly<Record<string, string>>,
  partitions = DEFAULT_PARTITIONS,
): Promise<void> {
  await log.admin().ensureTopics(Object.values(topics).map((name) => ({ name, partitions })));
}
