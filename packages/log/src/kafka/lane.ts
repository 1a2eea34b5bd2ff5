import { ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka';
import type { LogError } from '../errors';
import type { OutgoingRecord, PinoLikeLogger } from '../types';
import { toLogError } from './errors';
import { createSendQueue } from './send-queue';

export interface RoutedRecord extends OutgoingRecord {
  partition: number;
}

export interface LaneSettings {
  brokers: string[];
  clientId: string;
  logger: PinoLikeLogger | undefined;
  lane: number;
  connectTimeoutMs: number;
  sendTimeoutMs: number;
  /** Broker-side wait for the in-sync replicas' acknowledgement (produce request `timeout`). */
  ackTimeoutMs: number;
  maxBatchBytes: number;
  maxBatchRecords: number;
  /** Client retries of one produce: kept small so a dead broker fails the send instead of hanging it. */
  retries: number;
  /** Told about every failed batch (the router drops its cached partition counts). */
  onFailure(err: LogError): void;
}

export interface Lane {
  send(records: RoutedRecord[], deadline: number): Promise<void>;
  connect(): Promise<void>;
  /** Waits for queued sends, then closes the producer. */
  disconnect(): Promise<void>;
  healthy(): boolean;
}

type StringProducer = Producer<string, string, string, string>;

/**
 * One idempotent producer with exactly one request in flight. The produce path uses @platformatic/kafka rather
 * than kafkajs: it encodes a record in ~9 µs of CPU where kafkajs needs ~20-30 µs, and encoding is what bounds
 * ingest on a small machine. Its idempotent producer numbers a send's records when the send starts but only
 * advances the sequence when the broker answers, so two sends in flight get OUT_OF_ORDER_SEQUENCE_NUMBER: the
 * send queue keeps one in flight and coalesces everything queued behind it into the next request. After a
 * failed send the producer is replaced, because its sequence numbers may no longer match the broker's and a
 * fresh producer id is cheaper than finding out.
 */
export function createLane(settings: LaneSettings): Lane {
  const { logger } = settings;
  let current: StringProducer | undefined;
  let ok = false;

  function producer(): StringProducer {
    current ??= new Producer({
      clientId: settings.clientId,
      bootstrapBrokers: settings.brokers,
      serializers: stringSerializers,
      idempotent: true,
      acks: ProduceAcks.ALL,
      autocreateTopics: false,
      connectTimeout: settings.connectTimeoutMs,
      timeout: settings.ackTimeoutMs,
      retries: settings.retries,
      retryDelay: 100,
      // Partition counts are looked up by the router; this only bounds how stale the leader map may get.
      metadataMaxAge: 300_000,
    });
    return current;
  }

  async function retire(victim: StringProducer | undefined): Promise<void> {
    if (!victim) return;
    if (current === victim) current = undefined;
    // Forced: queued sends of a retired producer have already failed to their callers.
    await new Promise<void>((resolve) => victim.close(true, () => resolve()));
  }

  const queue = createSendQueue<RoutedRecord>({
    maxBatchBytes: settings.maxBatchBytes,
    maxBatchRecords: settings.maxBatchRecords,
    timeoutMs: settings.sendTimeoutMs,
    async sendBatch(records) {
      const p = producer();
      try {
        // Routed records already have the shape of a message (topic, key, value, partition): no copy per record.
        await p.send({ messages: records });
        ok = true;
      } catch (err) {
        const error = toLogError(err, 'send');
        ok = false;
        settings.onFailure(error);
        logger?.warn(
          { err: error, code: error.code, lane: settings.lane },
          'kafka send failed; replacing the producer',
        );
        await retire(p);
        throw error;
      }
    },
  });

  return {
    send: (records, deadline) => queue.send(records, deadline),
    async connect() {
      const p = producer();
      try {
        // Metadata of no topic still needs a broker round trip: a reachable cluster is what connect promises.
        await p.metadata({ topics: [] });
        ok = true;
      } catch (err) {
        await retire(p);
        throw toLogError(err, 'connect');
      }
    },
    async disconnect() {
      await queue.drain();
      ok = false;
      await retire(current);
    },
    healthy: () => ok,
  };
}
