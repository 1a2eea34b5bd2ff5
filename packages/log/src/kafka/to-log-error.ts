import { isLogError, LogError, type LogErrorCode } from '../errors';

const REBALANCING = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
]);
const REJECTED = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TIMESTAMP',
  'INVALID_TOPIC_EXCEPTION',
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'UNSUPPORTED_VERSION',
  'INVALID_REQUIRED_ACKS',
  'POLICY_VIOLATION',
  'INVALID_PARTITIONS',
  'INVALID_REPLICATION_FACTOR',
  'INVALID_CONFIG',
]);
// Error classes (kafkajs) and codes (@platformatic/kafka) that mean "could not talk to the cluster in time".
const UNAVAILABLE_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSTimeout',
  'KafkaJSLockTimeout',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSStaleTopicMetadataAssignment',
]);
const UNAVAILABLE_CODES = new Set(['PLT_KFK_NETWORK', 'PLT_KFK_TIMEOUT']);
const NODE_NETWORK = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN/;

interface KafkaLikeError {
  name?: unknown;
  /** kafkajs: the Kafka error name. */
  type?: unknown;
  /** @platformatic/kafka: the Kafka error name. */
  apiId?: unknown;
  code?: unknown;
  canRetry?: unknown;
  message?: unknown;
  retriable?: unknown;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown;
}

/** The error and everything it wraps (the clients nest the real cause in `cause`/`originalError`/`errors`). */
function chain(err: unknown): KafkaLikeError[] {
  const out: KafkaLikeError[] = [];
  const queue: unknown[] = [err];
  while (queue.length > 0 && out.length < 20) {
    const e = queue.shift();
    if (e === null || typeof e !== 'object' || out.includes(e as KafkaLikeError)) continue;
    const k = e as KafkaLikeError;
    out.push(k);
    queue.push(k.cause, k.originalError);
    if (Array.isArray(k.errors)) queue.push(...k.errors);
  }
  return out;
}

const typeOf = (e: KafkaLikeError) =>
  typeof e.type === 'string' ? e.type : typeof e.apiId === 'string' ? e.apiId : undefined;

export function classify(err: unknown): LogErrorCode {
  if (err instanceof LogError) return err.code;
  const errs = chain(err);
  const types = errs.map(typeOf);
  if (types.includes('UNKNOWN_TOPIC_OR_PARTITION')) return 'unknown_topic';
  if (types.some((t) => t !== undefined && REJECTED.has(t))) return 'rejected';
  if (types.some((t) => t !== undefined && REBALANCING.has(t))) return 'rebalancing';
  for (const e of errs) {
    if (typeof e.name === 'string' && UNAVAILABLE_NAMES.has(e.name)) return 'unavailable';
    if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return 'unavailable';
    if (typeof e.message === 'string' && NODE_NETWORK.test(e.message)) return 'unavailable';
    if (typeOf(e) !== undefined && (e.retriable === true || e.canRetry === true)) return 'unavailable';
  }
  return 'unexpected';
}

/** Maps whatever the Kafka client rejected with onto a LogError; the original stays as `cause`. */
export function toLogError(err: unknown, operation: string): LogError {
  if (err instanceof LogError) return err;
  const code = classify(err);
  const message = err instanceof Error ? err.message : String(err);
  const detail = chain(err)
    .slice(1)
    .map((e) => (typeof e.message === 'string' ? e.message : ''))
    .filter((m) => m && m !== message)
    .slice(0, 2);
  const suffix = detail.length > 0 ? ` (${detail.join('; ')})` : '';
  return new LogError(code, `${operation}: ${message}${suffix}`, { cause: err });
}

const SETTLING = new Set(['NOT_LEADER_FOR_PARTITION', 'NOT_LEADER_OR_FOLLOWER', 'LEADER_NOT_AVAILABLE']);

/** True while a partition has no leader yet, or the broker asked is no longer (or not yet) its leader. */
export function isLeadershipSettling(err: unknown): boolean {
  return chain(err).some((e) => {
    const t = typeOf(e);
    return t !== undefined && SETTLING.has(t);
  });
}

/** True for the kafkajs errors after which the consumer must rejoin its group. */
export function isRebalancing(err: unknown): boolean {
  return (
    isLogError(err, 'rebalancing') ||
    chain(err).some((e) => {
      const t = typeOf(e);
      return t !== undefined && (REBALANCING.has(t) || t === 'NOT_COORDINATOR_FOR_GROUP');
    })
  );
}

/** Rejects with LogError('unavailable') if `promise` has not settled after `ms`; the work itself is not cancelled. */
export function withDeadline<T>(promise: Promise<T>, ms: number, operation: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new LogError('unavailable', `${operation}: no answer from Kafka within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
