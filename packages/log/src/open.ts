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
