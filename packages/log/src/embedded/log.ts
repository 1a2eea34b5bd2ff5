import { LogError } from '../errors';
import { oneRecordBatchBytes } from '../kafka/produce-request';
import type { Log, LogAdmin, LogConsumer, LogProducer, PinoLikeLogger } from '../types';
import { resolveConsumerOptions, validateRecords, validateTopicName, validateTopicSpecs } from '../validate';
import { createEmbeddedConsumer } from './consumer';
import { createGroups } from './groups';
import { createStore } from './store';

export interface EmbeddedLogOptions {
  /** Partition count of auto-created topics. Default 4. */
  partitions?: number;
  /**
   * Create a topic on first send or subscribe. Default false, like the Kafka adapter (auto-creation off), so
   * a missing `ensureTopics` shows up in development rather than in production.
   */
  autoCreateTopics?: boolean;
  logger?: PinoLikeLogger;
}

export interface EmbeddedLog extends Log {
  kind: 'embedded';
  /** Fault injection for tests: while on, every `send` rejects with code 'unavailable' and writes nothing. */
  setUnavailable(unavailable: boolean): void;
}

/** Kafka's default message.max.bytes: the largest record batch a broker takes. */
const MESSAGE_MAX_BYTES = 1_048_588;

/** In-process log for development, evaluation and tests: append-only arrays, nothing survives the process. */
export function createEmbeddedLog(opts: EmbeddedLogOptions = {}): EmbeddedLog {
  const defaultPartitions = opts.partitions ?? 4;
  if (!Number.isInteger(defaultPartitions) || defaultPartitions < 1) {
    throw new LogError('invalid_argument', `partitions must be a positive integer, got ${opts.partitions}`);
  }
  const store = createStore({ defaultPartitions, autoCreateTopics: opts.autoCreateTopics ?? false });
  const groups = createGroups((topic) => store.topic(topic).partitions.length);
  const consumers = new Set<LogConsumer>();
  let closed = false;
  let unavailable = false;
  let nextMemberId = 1;

  function assertOpen(): void {
    if (closed) throw new LogError('closed', 'log is closed');
  }

  function producer(): LogProducer {
    let connected = false;
    let disconnected = false;
    return {
      async connect() {
        assertOpen();
        connected = true;
        disconnected = false;
      },
      async disconnect() {
        connected = false;
        disconnected = true;
      },
      isConnected: () => connected && !closed,
      async send(records) {
        assertOpen();
        if (disconnected) throw new LogError('closed', 'producer was disconnected');
        validateRecords(records);
        for (const r of records) {
          // What a broker with the default message.max.bytes refuses: a record whose batch alone is larger.
          if (oneRecordBatchBytes(Buffer.byteLength(r.key), Buffer.byteLength(r.value)) > MESSAGE_MAX_BYTES) {
            throw new LogError(
              'rejected',
              `record of ${r.topic} does not fit in a batch of ${MESSAGE_MAX_BYTES} bytes (message.max.bytes)`,
            );
          }
        }
        if (unavailable) {
          connected = false;
          throw new LogError('unavailable', 'embedded log is marked unavailable (fault injection)');
        }
        store.append(records);
        connected = true;
      },
    };
  }

  const admin: LogAdmin = {
    async ensureTopics(topics) {
      assertOpen();
      validateTopicSpecs(topics);
      for (const t of topics) store.createTopic(t.name, t.partitions);
    },
    async endOffsets(topic) {
      assertOpen();
      validateTopicName(topic);
      return store
        .topic(topic)
        .partitions.map((p, partition) => ({ partition, offset: String(p.records.length) }));
    },
    async startOffsets(topic) {
      assertOpen();
      validateTopicName(topic);
      // Nothing is ever deleted: every partition starts at 0.
      return store.topic(topic).partitions.map((_, partition) => ({ partition, offset: '0' }));
    },
    async committedOffsets(groupId, topic) {
      assertOpen();
      validateTopicName(topic);
      return store.topic(topic).partitions.map((_, partition) => {
        const offset = groups.committed(groupId, topic, partition);
        return { partition, offset: offset === undefined ? null : String(offset) };
      });
    },
    async deleteTopics(names) {
      assertOpen();
      for (const name of names) store.deleteTopic(name);
    },
  };

  return {
    kind: 'embedded',
    producer() {
      assertOpen();
      return producer();
    },
    consumer(consumerOpts) {
      assertOpen();
      const consumer = createEmbeddedConsumer({
        id: nextMemberId++,
        store,
        groups,
        options: resolveConsumerOptions(consumerOpts),
        logger: opts.logger,
        isClosed: () => closed,
      });
      consumers.add(consumer);
      return consumer;
    },
    admin() {
      assertOpen();
      return admin;
    },
    async close() {
      if (closed) return;
      await Promise.all([...consumers].map((c) => c.stop()));
      closed = true;
    },
    setUnavailable(on) {
      unavailable = on;
    },
  };
}
