export { createEmbeddedLog, type EmbeddedLog, type EmbeddedLogOptions } from './embedded/log';
export { isLogError, LogError, type LogErrorCode } from './errors';
export { createKafkaLog, type KafkaLogOptions } from './kafka/log';
export type { KafkaLogLevel } from './kafka/logging';
export { DEFAULT_PARTITIONS, ensurePipelineTopics, openLog } from './open';
export { murmur2, partitionFor } from './partition';
export type {
  Batch,
  BatchContext,
  ConsumerOptions,
  ConsumerStartOptions,
  Log,
  LogAdmin,
  LogConsumer,
  LogProducer,
  LogRecord,
  OutgoingRecord,
  PinoLikeLogger,
  TopicPartition,
  TopicSpec,
} from './types';
