import { LogError } from '../errors';
import { partitionFor } from '../partition';
import type { LogProducer, OutgoingRecord } from '../types';
import { validateRecords } from '../validate';
import type { Lane, RoutedRecord } from './lane';
import { withDeadline } from './to-log-error';

export interface KafkaProducerSettings {
  /** Lane i carries the partitions p with p % lanes === i. */
  lanes: number;
  makeLane(lane: number, onFailure: () => void): Lane;
  /** Partition counts from the cluster metadata; rejects with 'unknown_topic' for a missing topic. */
  partitionCounts(topics: string[]): Promise<Map<string, number>>;
  /** Upper bound of connect() and of every send(), measured from the call. */
  sendTimeoutMs: number;
  /** Partition counts are looked up again after this long, as kafkajs refreshes its metadata. */
  metadataMaxAgeMs: number;
}

const noop = () => {};

/**
 * The ingest hot path. kafkajs spends ~18-20 µs of CPU per 430-byte record (encoding, CRC32C in JS, grouping)
 * and one idempotent producer may only have one request in flight, so a single producer idles while the broker
 * works. Records are therefore spread over a few producers ("lanes") by partition: each partition has exactly
 * one writer, so records with one key keep their order, while one lane's round trip overlaps another's encoding. The partition is computed here
 * (the same murmur2 as Kafka's default partitioner) because the lane has to be known before kafkajs sees it.
 */
export function createKafkaProducer(settings: KafkaProducerSettings): LogProducer {
  const counts = new Map<string, { partitions: number; at: number }>();
  const lanes = Array.from({ length: settings.lanes }, (_, i) => settings.makeLane(i, () => counts.clear()));
  // Set while some send waits for metadata: later sends queue behind it so routing keeps call order.
  let routing: Promise<void> | undefined;
  let ok = false;
  let disconnected = false;

  function cached(topics: string[]): Map<string, number> | undefined {
    const now = Date.now();
    const result = new Map<string, number>();
    for (const topic of topics) {
      const entry = counts.get(topic);
      if (!entry || now - entry.at > settings.metadataMaxAgeMs) return undefined;
      result.set(topic, entry.partitions);
    }
    return result;
  }

  async function load(topics: string[]): Promise<Map<string, number>> {
    const hit = cached(topics);
    if (hit) return hit;
    const fresh = await settings.partitionCounts(topics);
    const now = Date.now();
    for (const [topic, partitions] of fresh) counts.set(topic, { partitions, at: now });
    const result = cached(topics);
    if (!result) throw new LogError('unavailable', `no partition metadata for ${topics.join(', ')}`);
    return result;
  }

  function dispatch(
    records: OutgoingRecord[],
    partitions: Map<string, number>,
    deadline: number,
  ): Promise<void> {
    const perLane: RoutedRecord[][] = lanes.map(() => []);
    for (const r of records) {
      const partition = partitionFor(r.key, partitions.get(r.topic) as number);
      (perLane[partition % lanes.length] as RoutedRecord[]).push({
        topic: r.topic,
        key: r.key,
        value: r.value,
        partition,
        keyBytes: Buffer.byteLength(r.key),
        valueBytes: Buffer.byteLength(r.value),
      });
    }
    const acks: Promise<void>[] = [];
    perLane.forEach((routed, i) => {
      if (routed.length > 0) acks.push((lanes[i] as Lane).send(routed, deadline));
    });
    return Promise.all(acks).then(
      () => {
        ok = true;
      },
      (err: unknown) => {
        ok = false;
        throw err;
      },
    );
  }

  return {
    async connect() {
      disconnected = false;
      await withDeadline(Promise.all(lanes.map((l) => l.connect())), settings.sendTimeoutMs, 'connect');
      ok = true;
    },
    async disconnect() {
      disconnected = true;
      ok = false;
      await routing;
      await Promise.all(lanes.map((l) => l.disconnect()));
    },
    isConnected: () => ok && !disconnected,
    send(records) {
      if (disconnected) return Promise.reject(new LogError('closed', 'producer was disconnected'));
      try {
        validateRecords(records);
      } catch (err) {
        return Promise.reject(err);
      }
      if (records.length === 0) return Promise.resolve();
      const deadline = Date.now() + settings.sendTimeoutMs;
      const topics = [...new Set(records.map((r) => r.topic))];
      if (!routing) {
        const known = cached(topics);
        if (known) return dispatch(records, known, deadline);
      }
      const routed = (routing ?? Promise.resolve()).then(() =>
        withDeadline(load(topics), Math.max(1, deadline - Date.now()), 'send'),
      );
      // Wrapped so the routing chain waits for the enqueue only, not for the acknowledgement.
      const dispatched = routed.then((partitions) => ({ ack: dispatch(records, partitions, deadline) }));
      const mine = dispatched.then(noop, noop);
      routing = mine;
      mine.then(() => {
        if (routing === mine) routing = undefined;
      });
      return dispatched.then(
        ({ ack }) => ack,
        (err: unknown) => {
          ok = false;
          throw err;
        },
      );
    },
  };
}
