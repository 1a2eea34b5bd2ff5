import { LogError } from './errors';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

function utf8Bytes(key: string): Uint8Array | string {
  // Keys are ASCII ids almost always; reading char codes directly avoids a Buffer per record.
  for (let i = 0; i < key.length; i++) {
    if (key.charCodeAt(i) >= 0x80) return Buffer.from(key, 'utf8');
  }
  return key;
}

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2) over the UTF-8 bytes of `key`, as a signed int32. */
export function murmur2(key: string): number {
  const data = utf8Bytes(key);
  const byteAt =
    typeof data === 'string' ? (i: number) => data.charCodeAt(i) : (i: number) => data[i] as number;
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = byteAt(i4) | (byteAt(i4 + 1) << 8) | (byteAt(i4 + 2) << 16) | (byteAt(i4 + 3) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= byteAt(tail + 2) << 16;
  if (rest >= 2) h ^= byteAt(tail + 1) << 8;
  if (rest >= 1) {
    h ^= byteAt(tail);
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner (and kafkajs' DefaultPartitioner) picks for a keyed record. */
export function partitionFor(key: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new LogError('invalid_argument', `partitions must be a positive integer, got ${partitions}`);
  }
  // Kafka's toPositive masks the sign bit rather than taking the absolute value.
  return (murmur2(key) & 0x7fffffff) % partitions;
}
