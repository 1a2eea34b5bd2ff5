import {
  type Broker,
  ConnectionPool,
  createAPI,
  ProduceAcks,
  Producer,
  produceV9,
  Writer,
} from '@platformatic/kafka';
import { LogError } from '../errors';
import type { OutgoingRecord, PinoLikeLogger } from '../types';
import {
  encodeProduceRequest,
  type PartitionRecords,
  PRODUCE_API_VERSION,
  type SizedRecord,
} from './produce-request';
import { createSendQueue } from './send-queue';
import { toLogError } from './to-log-error';

export interface RoutedRecord extends OutgoingRecord, SizedRecord {
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
  /** Attempts after the first for one batch: kept small so a dead broker fails the send instead of hanging it. */
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

/** One producer id and what belongs to it; replaced as a whole after a failed batch. */
interface Session {
  /** Metadata and InitProducerId only: records never go through its send(). */
  client: Producer;
  pool: ConnectionPool;
  id: Promise<{ producerId: bigint; producerEpoch: number }>;
  /** Next sequence number per `topic\0partition`, advanced when the broker acknowledged a batch. */
  sequences: Map<string, number>;
  /** Leader node per partition and broker addresses; dropped on failure, refreshed after METADATA_MAX_AGE_MS. */
  leaders: { at: number; topics: Map<string, number[]>; brokers: Map<number, Broker> } | undefined;
}

const METADATA_MAX_AGE_MS = 300_000;
const MAX_SEQUENCE = 2 ** 31 - 1;

/** Kafka's DefaultRecordBatch.incrementSequence: sequence numbers wrap to 0 after Integer.MAX_VALUE. */
export const nextSequence = (sequence: number, count: number): number =>
  sequence > MAX_SEQUENCE - count ? count - (MAX_SEQUENCE - sequence) - 1 : sequence + count;

function entry<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/** Produce v9 over a @platformatic/kafka connection, with a body encoded by produce-request.ts. */
const produceApi = createAPI<[body: Buffer], unknown>(
  0,
  PRODUCE_API_VERSION,
  (body: Buffer) => Writer.create().append(body),
  produceV9.parseResponse,
);

/**
 * One idempotent producer with exactly one request in flight. Records are encoded here, straight into one
 * buffer per request (produce-request.ts), and sent over @platformatic/kafka connections; its Producer is kept
 * for metadata and the producer id. Its own send() cost ~6-9 µs of CPU per record (a buffer per record, a Map
 * of headers per record), which bounded the ingest; the encoder here costs ~1 µs.
 *
 * Sequence numbers follow the idempotent-producer rules: one batch per partition per request, numbered from
 * the partition's next sequence; advanced only when the broker acknowledged it. A retry resends the same
 * numbers, so a batch the broker already wrote is acknowledged again instead of written twice. After a failed
 * batch the session (producer id, sequences, connections) is replaced, because its numbers may no longer match
 * the broker's and a fresh producer id is cheaper than finding out.
 */
export function createLane(settings: LaneSettings): Lane {
  const { logger } = settings;
  let current: Session | undefined;
  let ok = false;

  function session(): Session {
    if (current) return current;
    const client = new Producer({
      clientId: settings.clientId,
      bootstrapBrokers: settings.brokers,
      idempotent: true,
      acks: ProduceAcks.ALL,
      autocreateTopics: false,
      connectTimeout: settings.connectTimeoutMs,
      // `timeout` is only the broker-side wait; the client's own bound on a request (metadata, producer id)
      // is `requestTimeout`, 30 s by default: a connection gone silent would hold every retry that long.
      timeout: settings.ackTimeoutMs,
      requestTimeout: settings.ackTimeoutMs + 1000,
      retries: settings.retries,
      retryDelay: 100,
      metadataMaxAge: METADATA_MAX_AGE_MS,
    });
    const s: Session = {
      client,
      pool: new ConnectionPool(settings.clientId, {
        connectTimeout: settings.connectTimeoutMs,
        // The broker answers within the request's own timeout; past that the connection is what is stuck.
        requestTimeout: settings.ackTimeoutMs + 1000,
      }),
      id: client.initIdempotentProducer({}).then((info) => ({
        producerId: info.producerId,
        producerEpoch: info.producerEpoch,
      })),
      sequences: new Map(),
      leaders: undefined,
    };
    s.id.catch(() => {}); // awaited by every send; a failure there retires the session
    current = s;
    return s;
  }

  async function retire(victim: Session | undefined): Promise<void> {
    if (!victim) return;
    if (current === victim) current = undefined;
    await Promise.allSettled([
      victim.pool.close(),
      new Promise<void>((resolve) => victim.client.close(true, () => resolve())),
    ]);
  }

  async function leaders(s: Session, topics: string[]): Promise<NonNullable<Session['leaders']>> {
    const known = s.leaders;
    if (known && Date.now() - known.at < METADATA_MAX_AGE_MS && topics.every((t) => known.topics.has(t))) {
      return known;
    }
    const meta = await s.client.metadata({ topics, autocreateTopics: false, forceUpdate: true });
    const fresh = {
      at: Date.now(),
      topics: new Map(known?.topics),
      brokers: meta.brokers as Map<number, Broker>,
    };
    for (const [name, topic] of meta.topics) {
      fresh.topics.set(
        name,
        topic.partitions.map((p) => p.leader),
      );
    }
    s.leaders = fresh;
    return fresh;
  }

  /**
   * One attempt: a request per leader, each holding one batch per partition. Every request is waited
   * for, also when another failed: a partition's sequence advances only with its own acknowledgement,
   * which `acked` records, and no retry may start while a request of this one is still in flight (two
   * in flight for a partition get OUT_OF_ORDER_SEQUENCE_NUMBER).
   */
  async function attempt(s: Session, records: RoutedRecord[], acked: Set<string>): Promise<void> {
    const byPartition = new Map<string, Map<number, RoutedRecord[]>>();
    for (const r of records) {
      const topic = entry(byPartition, r.topic, () => new Map<number, RoutedRecord[]>());
      entry(topic, r.partition, () => [] as RoutedRecord[]).push(r);
    }
    const [{ producerId, producerEpoch }, where] = await Promise.all([
      s.id,
      leaders(s, [...byPartition.keys()]),
    ]);
    const requests = new Map<
      number,
      { topics: Map<string, PartitionRecords[]>; count: [string, number][] }
    >();
    for (const [topic, partitions] of byPartition) {
      for (const [partition, list] of partitions) {
        const leader = where.topics.get(topic)?.[partition];
        if (leader === undefined || leader < 0) {
          s.leaders = undefined;
          throw new LogError('unavailable', `send: no leader known for ${topic}/${partition}`);
        }
        const request = entry(requests, leader, () => ({
          topics: new Map<string, PartitionRecords[]>(),
          count: [] as [string, number][],
        }));
        const parts = entry(request.topics, topic, () => [] as PartitionRecords[]);
        const seqKey = `${topic}\0${partition}`;
        parts.push({ partition, firstSequence: s.sequences.get(seqKey) ?? 0, records: list });
        request.count.push([seqKey, list.length]);
      }
    }
    const settled = await Promise.allSettled(
      [...requests].map(async ([leader, request]) => {
        const broker = where.brokers.get(leader);
        if (!broker) {
          s.leaders = undefined;
          throw new LogError('unavailable', `send: broker ${leader} is not in the metadata`);
        }
        const body = encodeProduceRequest({
          acks: ProduceAcks.ALL,
          timeoutMs: settings.ackTimeoutMs,
          producerId,
          producerEpoch,
          timestampMs: Date.now(),
          topics: request.topics,
        });
        await produceApi.async(await s.pool.get(broker), body);
        return request.count;
      }),
    );
    let failure: unknown;
    for (const result of settled) {
      if (result.status === 'rejected') {
        failure ??= result.reason;
        continue;
      }
      for (const [seqKey, n] of result.value) {
        s.sequences.set(seqKey, nextSequence(s.sequences.get(seqKey) ?? 0, n));
        acked.add(seqKey);
      }
    }
    if (failure !== undefined) throw failure;
  }

  const queue = createSendQueue<RoutedRecord>({
    bytesOf: (r) => r.keyBytes + r.valueBytes,
    maxBatchBytes: settings.maxBatchBytes,
    maxBatchRecords: settings.maxBatchRecords,
    timeoutMs: settings.sendTimeoutMs,
    async sendBatch(records) {
      const s = session();
      const acked = new Set<string>();
      let pending = records;
      for (let tries = 0; ; tries++) {
        try {
          await attempt(s, pending, acked);
          ok = true;
          return;
        } catch (err) {
          const error = toLogError(err, 'send');
          // Same producer id, same sequence numbers: what the broker already wrote is acknowledged, not
          // repeated. Partitions a leader acknowledged in this attempt are not sent again: their
          // sequences moved on, and the same records under the next number would be written twice.
          pending = pending.filter((r) => !acked.has(`${r.topic}\0${r.partition}`));
          if (error.code === 'unavailable' && tries < settings.retries) {
            s.leaders = undefined;
            await new Promise((resolve) => setTimeout(resolve, 100 * (tries + 1)));
            continue;
          }
          ok = false;
          settings.onFailure(error);
          logger?.warn(
            { err: error, code: error.code, lane: settings.lane },
            'kafka send failed; replacing the producer',
          );
          await retire(s);
          throw error;
        }
      }
    },
  });

  return {
    send: (records, deadline) => queue.send(records, deadline),
    async connect() {
      const s = session();
      try {
        // A reachable cluster and a producer id are what connect promises.
        await Promise.all([s.client.metadata({ topics: [] }), s.id]);
        ok = true;
      } catch (err) {
        await retire(s);
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
