import type { Consumer, ConsumerRunConfig, EachBatchPayload, Kafka, KafkaMessage, LogEntry } from 'kafkajs';
import { LogError } from '../errors';
import { backoffDelay, createInterrupter, retryUntilDone } from '../retry';
import type {
  BatchContext,
  ConsumerStartOptions,
  LogConsumer,
  LogRecord,
  PinoLikeLogger,
  TopicPartition,
} from '../types';
import {
  type ResolvedConsumerOptions,
  validateOffset,
  validatePartition,
  validateTopicName,
} from '../validate';
import { isRebalancing, toLogError } from './to-log-error';

export interface KafkaConsumerSettings {
  /** Builds the kafkajs client of this consumer; `tap` sees every kafkajs log entry (see generation). */
  makeKafka(tap: (entry: LogEntry) => void): Kafka;
  options: ResolvedConsumerOptions;
  logger: PinoLikeLogger | undefined;
}

interface Assignment {
  generation: number;
  partitions: TopicPartition[];
  done: boolean;
  first: Promise<boolean>;
  /** The retry of a failed onAssigned; shared, so batches of several partitions do not each retry it. */
  retry?: Promise<boolean>;
}

/**
 * A record without headers, as our kafkajs patch decodes it: key and value are read as text straight
 * from the fetch response, without the Buffer each of them would otherwise be first.
 */
type InPlaceMessage = KafkaMessage & {
  keyText(): string | null;
  valueText(): string | null;
  /** The timestamp as a number when it is a safe integer (the patch's records), else undefined. */
  timestampMs: number | undefined;
};

const isInPlace = (m: KafkaMessage): m is InPlaceMessage =>
  typeof (m as Partial<InPlaceMessage>).valueText === 'function';

/** A fetched message as the log's record (exported for the decode benchmark). */
export function toRecord(topic: string, partition: number, m: KafkaMessage): LogRecord {
  if (isInPlace(m)) {
    return {
      topic,
      partition,
      offset: m.offset,
      key: m.keyText() ?? '',
      value: m.valueText() ?? '',
      timestamp: m.timestampMs ?? Number(m.timestamp),
    };
  }
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key ? m.key.toString('utf8') : '',
    value: m.value ? m.value.toString('utf8') : '',
    timestamp: Number(m.timestamp),
  };
}

/**
 * kafkajs consumer with explicit commits: offsets are committed per chunk of at most maxBatchSize records,
 * after onBatch resolved; a failing chunk is retried (heartbeating while it waits) until it succeeds, the
 * consumer stops, the partition is seeked, or the group rebalances.
 */
export function createKafkaConsumer(settings: KafkaConsumerSettings): LogConsumer {
  const { options, logger } = settings;
  const backoff = { initialMs: options.retryInitialMs, maxMs: options.retryMaxMs };
  const interrupter = createInterrupter();
  let consumer: Consumer | undefined;
  let running = false;
  let assignment: Assignment | undefined;
  // kafkajs emits the generation only in a debug log line of the join; see the tap in start().
  let joinedGeneration: number | undefined;
  /** When the group last answered (a join, a fetch, a heartbeat); 0 before the first join and after a crash. */
  let aliveAt = 0;
  let fallbackGeneration = 0;

  const log = (what: string, extra: object) => (err: unknown, failures: number, delayMs: number) =>
    logger?.warn({ ...extra, err, failures, retryInMs: delayMs, groupId: options.groupId }, what);

  /** Sleeps in slices so the group keeps seeing heartbeats during a long backoff; a rebalance ends the sleep by throwing. */
  async function waitHeartbeating(ms: number, heartbeat: () => Promise<void>): Promise<void> {
    const until = Date.now() + ms;
    for (let left = ms; left > 0 && running; left = until - Date.now()) {
      await interrupter.wait(Math.min(left, Math.max(100, Math.floor(options.heartbeatIntervalMs / 2))));
      await heartbeat();
    }
  }

  async function ensureAssigned(
    opts: ConsumerStartOptions,
    payload: EachBatchPayload,
  ): Promise<Assignment | undefined> {
    const a = assignment;
    if (!a) return undefined;
    if (a.done || (await a.first)) return a;
    const onAssigned = opts.onAssigned;
    if (!onAssigned) return a;
    a.retry ??= retryUntilDone({
      run: async () => {
        await onAssigned(a.partitions, a.generation);
        a.done = true;
      },
      abandoned: () => !running || assignment !== a || !payload.isRunning(),
      wait: (ms) => waitHeartbeating(ms, payload.heartbeat),
      backoff,
      onFailure: log('onAssigned failed; retrying', { generation: a.generation }),
    });
    const ok = await a.retry;
    if (!ok) a.retry = undefined;
    return ok ? a : undefined;
  }

  async function commit(payload: EachBatchPayload, offset: string): Promise<boolean> {
    const { topic, partition } = payload.batch;
    for (let failures = 0; ; failures++) {
      try {
        await payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset }] }] });
        return true;
      } catch (err) {
        if (isRebalancing(err)) throw err;
        const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(failures, 20));
        log('offset commit failed; retrying', { topic, partition, offset })(err, failures + 1, delay);
        // Not committing is safe: the records are delivered again; only stop waiting when stopping.
        if (!running || !payload.isRunning()) return false;
        await waitHeartbeating(delay, payload.heartbeat);
      }
    }
  }

  /**
   * kafkajs restarts a crashed consumer only when the error's root cause is retriable (restartOnFailure is
   * not even asked otherwise). Some network faults end as errors it calls non-retriable, such as
   * KafkaJSGroupCoordinatorNotFound when the FindCoordinator requests of a rejoin fail: kafkajs then
   * stays disconnected for good. So we run it again ourselves, with the onBatch backoff, while running.
   */
  async function rerun(c: Consumer, config: ConsumerRunConfig): Promise<void> {
    for (let failures = 0; running && consumer === c; failures++) {
      const delay = backoffDelay(failures, backoff);
      logger?.warn(
        { groupId: options.groupId, failures: failures + 1, retryInMs: delay },
        'kafka consumer stopped after an error kafkajs does not retry; starting it again',
      );
      await interrupter.wait(delay);
      if (!running || consumer !== c) return;
      try {
        await c.connect();
        if (!running || consumer !== c) {
          await c.disconnect().catch(() => {});
          return;
        }
        // Its failures come back as CRASH events, which lead here again.
        await c.run(config);
        return;
      } catch (err) {
        logger?.warn({ err, groupId: options.groupId }, 'kafka consumer could not be started again');
      }
    }
  }

  async function eachBatch(opts: ConsumerStartOptions, payload: EachBatchPayload): Promise<void> {
    const { batch, isRunning, isStale, resolveOffset } = payload;
    const { topic, partition } = batch;
    const a = await ensureAssigned(opts, payload);
    if (!a) return;
    let rebalance: unknown;
    const ctx: BatchContext = {
      generation: a.generation,
      isRunning: () => running && isRunning(),
      heartbeat: async () => {
        try {
          await payload.heartbeat();
        } catch (err) {
          if (isRebalancing(err)) rebalance = err;
          throw toLogError(err, 'heartbeat');
        }
      },
    };
    for (let start = 0; start < batch.messages.length; start += options.maxBatchSize) {
      const chunk = batch.messages.slice(start, start + options.maxBatchSize);
      const records = chunk.map((m) => toRecord(topic, partition, m));
      const delivered = await retryUntilDone({
        run: () => opts.onBatch({ topic, partition, records }, ctx),
        abandoned: () => rebalance !== undefined || !running || !isRunning() || isStale(),
        wait: (ms) => waitHeartbeating(ms, payload.heartbeat),
        backoff,
        onFailure: log('onBatch failed; redelivering the same records after a backoff', {
          topic,
          partition,
          firstOffset: records[0]?.offset,
          records: records.length,
        }),
      });
      // Rethrown as kafkajs' own error so its runner rejoins; the chunk goes to the partition's next owner.
      if (rebalance !== undefined) throw rebalance;
      // A seek while the chunk was in flight means its owner no longer wants these records committed.
      if (!delivered || isStale()) return;
      const last = (records[records.length - 1] as LogRecord).offset;
      if (!(await commit(payload, (BigInt(last) + 1n).toString()))) return;
      resolveOffset(last);
      if (!running || !isRunning()) return;
      await payload.heartbeat();
    }
  }

  return {
    async start(opts) {
      if (consumer)
        throw new LogError('invalid_argument', `consumer of group ${options.groupId} already started`);
      if (!Array.isArray(opts.topics) || opts.topics.length === 0) {
        throw new LogError('invalid_argument', 'start needs at least one topic');
      }
      for (const topic of opts.topics) validateTopicName(topic);
      const kafka = settings.makeKafka((entry) => {
        const generationId = entry.log.generationId;
        if (entry.namespace === 'ConsumerGroup' && entry.log.message === 'Received assignment') {
          if (typeof generationId === 'number') joinedGeneration = generationId;
        }
      });
      const c = kafka.consumer({
        groupId: options.groupId,
        sessionTimeout: options.sessionTimeoutMs,
        heartbeatInterval: options.heartbeatIntervalMs,
        rebalanceTimeout: options.rebalanceTimeoutMs,
        maxWaitTimeInMs: options.maxWaitTimeMs,
        maxBytesPerPartition: options.maxBytesPerPartition,
        allowAutoTopicCreation: false,
        // Restart after crashes for as long as we are meant to run: infrastructure faults are retried, never fatal.
        retry: { restartOnFailure: async () => running },
      });
      consumer = c;
      const runConfig: ConsumerRunConfig = {
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsConcurrently,
        eachBatch: (payload) => eachBatch(opts, payload),
      };
      let joinedOnce = false;
      let joined!: () => void;
      let failed!: (err: unknown) => void;
      const firstJoin = new Promise<void>((resolve, reject) => {
        joined = resolve;
        failed = reject;
      });
      // Health (LogConsumer.isHealthy): the last sign of the group; a crash clears it until the next join.
      c.on(c.events.HEARTBEAT, () => {
        if (aliveAt > 0) aliveAt = Date.now();
      });
      c.on(c.events.FETCH, () => {
        if (aliveAt > 0) aliveAt = Date.now();
      });
      c.on(c.events.GROUP_JOIN, ({ payload }) => {
        aliveAt = Date.now();
        let generation = joinedGeneration;
        joinedGeneration = undefined;
        if (generation === undefined) {
          generation = ++fallbackGeneration;
          logger?.warn(
            { groupId: options.groupId },
            'kafka generation id not observed; using a local counter',
          );
        }
        const partitions = Object.entries(payload.memberAssignment)
          .flatMap(([topic, ps]) => ps.map((partition) => ({ topic, partition })))
          .sort((x, y) => (x.topic === y.topic ? x.partition - y.partition : x.topic < y.topic ? -1 : 1));
        const onAssigned = opts.onAssigned;
        const a: Assignment = { generation, partitions, done: !onAssigned, first: Promise.resolve(true) };
        if (onAssigned) {
          a.first = Promise.resolve()
            .then(() => onAssigned(partitions, generation))
            .then(
              () => {
                a.done = true;
                return true;
              },
              (err: unknown) => {
                log('onAssigned failed; retrying', { generation })(err, 1, 0);
                return false;
              },
            );
        }
        assignment = a;
        joinedOnce = true;
        joined();
      });
      c.on(c.events.CRASH, ({ payload }) => {
        aliveAt = 0;
        logger?.error(
          { err: payload.error, groupId: options.groupId, restart: payload.restart },
          'kafka consumer crashed',
        );
        if (payload.restart) return;
        // Before the first join start() fails with the error; after it, the consumer must go on.
        if (!joinedOnce) failed(payload.error);
        else if (running) void rerun(c, runConfig);
      });
      try {
        running = true;
        await c.connect();
        await c.subscribe({ topics: [...new Set(opts.topics)], fromBeginning: opts.fromBeginning ?? false });
        await c.run(runConfig);
        await firstJoin;
      } catch (err) {
        running = false;
        consumer = undefined;
        await c.disconnect().catch(() => {});
        throw toLogError(err, `start consumer of group ${options.groupId}`);
      }
    },
    async stop() {
      const c = consumer;
      if (!c) return;
      running = false;
      interrupter.interrupt();
      try {
        // kafkajs waits for the batch in flight (and our commit of it), then leaves the group.
        await c.disconnect();
      } finally {
        consumer = undefined;
        assignment = undefined;
        aliveAt = 0;
      }
    },
    isHealthy() {
      return running && aliveAt > 0 && Date.now() - aliveAt <= options.sessionTimeoutMs;
    },
    seek(topic, partition, offset) {
      validateTopicName(topic);
      validatePartition(partition);
      validateOffset(offset);
      if (!consumer || !running || !assignment) return;
      // kafkajs keeps a seek until it next fetches that partition, whoever owns it then: a seek of a
      // partition another member owns would rewind it whenever a later rebalance brings it here.
      if (!assignment.partitions.some((tp) => tp.topic === topic && tp.partition === partition)) return;
      consumer.seek({ topic, partition, offset });
    },
  };
}
