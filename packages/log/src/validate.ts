import { LogError } from './errors';
import type { ConsumerOptions, OutgoingRecord, TopicSpec } from './types';

export interface ResolvedConsumerOptions {
  groupId: string;
  maxBatchSize: number;
  retryInitialMs: number;
  retryMaxMs: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  maxWaitTimeMs: number;
  partitionsConcurrently: number;
  maxBytesPerPartition: number;
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new LogError('invalid_argument', `${name} must be a positive integer, got ${value}`);
  }
  return value;
}

export function resolveConsumerOptions(opts: ConsumerOptions): ResolvedConsumerOptions {
  if (typeof opts.groupId !== 'string' || opts.groupId.length === 0) {
    throw new LogError('invalid_argument', 'consumer groupId must be a non-empty string');
  }
  const retryInitialMs = positiveInt('retryInitialMs', opts.retryInitialMs, 200);
  return {
    groupId: opts.groupId,
    maxBatchSize: positiveInt('maxBatchSize', opts.maxBatchSize, 1000),
    retryInitialMs,
    retryMaxMs: Math.max(retryInitialMs, positiveInt('retryMaxMs', opts.retryMaxMs, 30_000)),
    sessionTimeoutMs: positiveInt('sessionTimeoutMs', opts.sessionTimeoutMs, 30_000),
    heartbeatIntervalMs: positiveInt('heartbeatIntervalMs', opts.heartbeatIntervalMs, 3000),
    rebalanceTimeoutMs: positiveInt('rebalanceTimeoutMs', opts.rebalanceTimeoutMs, 60_000),
    maxWaitTimeMs: positiveInt('maxWaitTimeMs', opts.maxWaitTimeMs, 1000),
    partitionsConcurrently: positiveInt('partitionsConcurrently', opts.partitionsConcurrently, 1),
    maxBytesPerPartition: positiveInt('maxBytesPerPartition', opts.maxBytesPerPartition, 1_048_576),
  };
}

/** Kafka's own rule for topic names, so that the embedded log refuses what the broker would. */
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

export function validateTopicName(topic: unknown): asserts topic is string {
  if (typeof topic !== 'string' || !TOPIC_NAME.test(topic) || topic === '.' || topic === '..') {
    throw new LogError('invalid_argument', `invalid topic name ${JSON.stringify(topic)}`);
  }
}

export function validateTopicSpecs(topics: TopicSpec[]): void {
  if (!Array.isArray(topics)) throw new LogError('invalid_argument', 'ensureTopics expects an array');
  const seen = new Set<string>();
  for (const spec of topics) {
    validateTopicName(spec.name);
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
      throw new LogError('invalid_argument', `partitions of ${spec.name} must be a positive integer`);
    }
    if (seen.has(spec.name)) throw new LogError('invalid_argument', `topic ${spec.name} listed twice`);
    seen.add(spec.name);
  }
}

/** Rejects the whole call before anything is written, so a bad record never leaves half a batch behind. */
export function validateRecords(records: OutgoingRecord[]): void {
  if (!Array.isArray(records)) throw new LogError('invalid_argument', 'send expects an array of records');
  for (const r of records) {
    if (r === null || typeof r !== 'object')
      throw new LogError('invalid_argument', 'record must be an object');
    validateTopicName(r.topic);
    if (typeof r.key !== 'string' || typeof r.value !== 'string') {
      throw new LogError('invalid_argument', `record key and value must be strings (topic ${r.topic})`);
    }
  }
}

const OFFSET = /^(0|[1-9][0-9]{0,18})$/;

/** Offsets travel as decimal strings (Kafka's int64); this checks one a caller handed in. */
export function validateOffset(offset: string): void {
  if (typeof offset !== 'string' || !OFFSET.test(offset)) {
    throw new LogError(
      'invalid_argument',
      `offset must be a non-negative decimal string, got ${String(offset)}`,
    );
  }
}

export function validatePartition(partition: number): void {
  if (!Number.isInteger(partition) || partition < 0) {
    throw new LogError('invalid_argument', `partition must be a non-negative integer, got ${partition}`);
  }
}
