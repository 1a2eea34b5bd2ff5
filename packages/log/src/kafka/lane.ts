import { type Kafka, type Message, Partitioners, type Producer } from 'kafkajs';
import type { LogError } from '../errors';
import type { OutgoingRecord, PinoLikeLogger } from '../types';
import { toLogError } from './errors';
import { createSendQueue } from './send-queue';

export interface RoutedRecord extends OutgoingRecord {
  partition: number;
}

export interface LaneSettings {
  kafka: Kafka;
  logger: PinoLikeLogger | undefined;
  lane: number;
  sendTimeoutMs: number;
  /** Broker-side wait for the in-sync replicas' acknowledgement (produce request `timeout`). */
  ackTimeoutMs: number;
  maxBatchBytes: number;
  maxBatchRecords: number;
  /** kafkajs retries of one produce: kept small so a dead broker fails the send instead of hanging it. */
  retries: number;
  /** Told about every failed batch (the router drops its cached partition counts). */
  onFailure(err: LogError): void;
}

export interface Lane {
  send(records: RoutedRecord[], deadline: number): Promise<void>;
  connect(): Promise<void>;
  /** Waits for queued sends, then disconnects the kafkajs producer. */
  disconnect(): Promise<void>;
  healthy(): boolean;
}

function toTopicMessages(records: RoutedRecord[]): { topic: string; messages: Message[] }[] {
  // Routed records already have the shape of a kafkajs Message (the extra `topic` is ignored by kafkajs),
  // so they are handed over as they are: no second object per record on the hot path.
  const first = records[0]?.topic;
  if (records.every((r) => r.topic === first)) return [{ topic: first as string, messages: records }];
  const byTopic = new Map<string, Message[]>();
  for (const r of records) {
    let messages = byTopic.get(r.topic);
    if (!messages) {
      messages = [];
      byTopic.set(r.topic, messages);
    }
    messages.push(r);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/**
 * One idempotent kafkajs producer with exactly one request in flight: kafkajs' idempotent producer loses or
 * duplicates records under concurrent sends (kafkajs issues 598, 1005, 1046, 1764). Sends queued behind the
 * request in flight are coalesced into the next one. After a failed send the kafkajs producer is replaced:
 * its sequence numbers may no longer match the broker's, and a fresh producer id is cheaper than finding out.
 */
export function createLane(settings: LaneSettings): Lane {
  const { kafka, logger } = settings;
  let current: Producer | undefined;
  let connecting: Promise<Producer> | undefined;
  let ok = false;

  function ensureProducer(): Promise<Producer> {
    if (current) return Promise.resolve(current);
    if (!connecting) {
      const attempt = (async () => {
        const producer = kafka.producer({
          // Java-compatible murmur2 like partitionFor(); records carry their partition anyway, and kafkajs v2
          // warns unless a partitioner is chosen explicitly.
          createPartitioner: Partitioners.DefaultPartitioner,
          idempotent: true,
          maxInFlightRequests: 1,
          allowAutoTopicCreation: false,
          retry: { retries: settings.retries },
        });
        try {
          await producer.connect();
        } catch (err) {
          producer.disconnect().catch(() => {});
          throw toLogError(err, 'connect');
        }
        current = producer;
        ok = true;
        return producer;
      })();
      connecting = attempt;
      const clear = () => {
        if (connecting === attempt) connecting = undefined;
      };
      attempt.then(clear, clear);
    }
    return connecting;
  }

  const queue = createSendQueue<RoutedRecord>({
    maxBatchBytes: settings.maxBatchBytes,
    maxBatchRecords: settings.maxBatchRecords,
    timeoutMs: settings.sendTimeoutMs,
    async sendBatch(records) {
      let producer: Producer | undefined;
      try {
        producer = await ensureProducer();
        await producer.sendBatch({
          acks: -1,
          timeout: settings.ackTimeoutMs,
          topicMessages: toTopicMessages(records),
        });
        ok = true;
      } catch (err) {
        const error = toLogError(err, 'send');
        ok = false;
        settings.onFailure(error);
        if (producer && current === producer) {
          current = undefined;
          logger?.warn(
            { err: error, code: error.code, lane: settings.lane },
            'kafka send failed; replacing the producer',
          );
          producer.disconnect().catch(() => {});
        }
        throw error;
      }
    },
  });

  return {
    send: (records, deadline) => queue.send(records, deadline),
    async connect() {
      await ensureProducer();
    },
    async disconnect() {
      await queue.drain();
      const producer = current ?? (await connecting?.catch(() => undefined));
      current = undefined;
      ok = false;
      await producer?.disconnect().catch(() => {});
    },
    healthy: () => ok,
  };
}
