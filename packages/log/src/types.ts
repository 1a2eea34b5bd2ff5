/** A record to append. The key decides the partition (murmur2, like Kafka's default partitioner). */
export interface OutgoingRecord {
  topic: string;
  key: string;
  value: string;
}

/** A record as read back from the log. `offset` is a decimal string (Kafka offsets are int64). */
export interface LogRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: string;
  /** Append time (ms since epoch) as the log recorded it. */
  timestamp: number;
}

export interface LogProducer {
  /** Optional: `send` connects on first use. Call it at start-up to fail early. */
  connect(): Promise<void>;
  /** Waits for queued sends to finish; later sends reject with code 'closed' until `connect` is called again. */
  disconnect(): Promise<void>;
  /** True after a successful connect or send, false after disconnect or a failed send. */
  isConnected(): boolean;
  /**
   * Resolves only when every record is durably acknowledged (Kafka acks=-1). Rejects with LogError code
   * 'unavailable' if not (some records may still have been written: retrying can duplicate, never lose).
   * Records with the same key keep their order, also across concurrent calls (in call order).
   */
  send(records: OutgoingRecord[]): Promise<void>;
}

export interface BatchContext {
  /** Keeps the group membership alive during long processing; throws if the group is rebalancing. */
  heartbeat(): Promise<void>;
  /** False once `stop()` was called: finish quickly, the batch is committed if onBatch resolves. */
  isRunning(): boolean;
  /** Consumer-group generation the batch was fetched in; changes on each rebalance. */
  generation: number;
}

export interface Batch {
  topic: string;
  partition: number;
  /** Non-empty, consecutive offsets of one partition, ascending. */
  records: LogRecord[];
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface ConsumerStartOptions {
  topics: string[];
  /** Where a partition without a committed offset starts: earliest (true) or the end of the log (false, default). */
  fromBeginning?: boolean;
  onBatch(batch: Batch, ctx: BatchContext): Promise<void>;
  /**
   * Called with this member's whole assignment after each rebalance, before any batch of that generation
   * is delivered. If it throws it is retried with the same backoff as onBatch.
   */
  onAssigned?(assigned: TopicPartition[], generation: number): Promise<void> | void;
}

export interface LogConsumer {
  /**
   * Resolves once the consumer has joined its group. Delivers batches per (topic, partition) in offset order;
   * commits offset (last+1) only after onBatch resolved. If onBatch throws, nothing is committed and the same
   * records are delivered again after a backoff (exponential, capped, forever while running — never skipped).
   */
  start(opts: ConsumerStartOptions): Promise<void>;
  /** Graceful: finishes the batch in flight, commits it, leaves the group. */
  stop(): Promise<void>;
  /**
   * Rewinds (or forwards) an assigned partition: the next batch of it starts at `offset`. A batch of that
   * partition in flight when seek is called is not committed. The committed offset moves only with the next
   * committed batch. Ignored for partitions this member does not own.
   */
  seek(topic: string, partition: number, offset: string): void;
  /**
   * Whether the consumer is started and in touch with its group: false before start, after stop, and on
   * Kafka from a crash (a broker unreachable, a coordinator lost) until it has joined again, or when
   * nothing (a join, a fetch, a heartbeat) has come back for a session timeout. For readiness checks:
   * a consumer that cannot fetch processes nothing, however alive its process.
   */
  isHealthy(): boolean;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Kafka only; default: the broker's `default.replication.factor`. */
  replicationFactor?: number;
}

export interface LogAdmin {
  /** Creates the missing topics (idempotent). Existing topics are left as they are, even with another partition count. */
  ensureTopics(topics: TopicSpec[]): Promise<void>;
  /** High watermarks: the offset the next appended record of each partition gets. Sorted by partition. */
  endOffsets(topic: string): Promise<{ partition: number; offset: string }[]>;
  /**
   * Log start offsets: the first offset each partition still holds (retention deleted the records before it;
   * equal to the end offset when it deleted them all). Sorted by partition.
   */
  startOffsets(topic: string): Promise<{ partition: number; offset: string }[]>;
  /** The group's committed offsets (next offset to read), null where the group never committed. Sorted by partition. */
  committedOffsets(groupId: string, topic: string): Promise<{ partition: number; offset: string | null }[]>;
  deleteTopics?(names: string[]): Promise<void>;
}

export interface ConsumerOptions {
  groupId: string;
  /** Most records handed to one onBatch call. Default 1000. */
  maxBatchSize?: number;
  clientId?: string;
  /** First delay after onBatch threw; doubles per failure up to retryMaxMs. Default 200 ms. */
  retryInitialMs?: number;
  /** Cap of the retry delay. Default 30 000 ms. */
  retryMaxMs?: number;
  /** Kafka only: group session timeout (broker minimum is usually 6000). Default 30 000. */
  sessionTimeoutMs?: number;
  /** Kafka only. Default 3000. */
  heartbeatIntervalMs?: number;
  /** Kafka only: how long the group waits for members to rejoin. Default 60 000. */
  rebalanceTimeoutMs?: number;
  /** Kafka only: longest a fetch waits for data; also bounds how long stop() waits for an idle fetch. Default 1000. */
  maxWaitTimeMs?: number;
  /**
   * Kafka only: batches of up to this many partitions may be in onBatch at once, so one partition's state and
   * produce round trips overlap another's processing. Each partition's batches still come one at a time, in
   * offset order. Default 1 (the embedded log always delivers one batch at a time).
   */
  partitionsConcurrently?: number;
  /** Kafka only: most bytes one fetch returns per partition (kafkajs maxBytesPerPartition). Default 1 MiB. */
  maxBytesPerPartition?: number;
}

export interface Log {
  kind: 'kafka' | 'embedded';
  producer(opts?: { clientId?: string }): LogProducer;
  consumer(opts: ConsumerOptions): LogConsumer;
  admin(): LogAdmin;
  /** Stops every consumer and disconnects every producer and admin this log created. */
  close(): Promise<void>;
}

/** The subset of pino's API this package logs through. */
export interface PinoLikeLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
