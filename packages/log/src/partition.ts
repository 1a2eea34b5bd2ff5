import { LogError } from './errors';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

let scratch = new Uint8Array(256);

/** The UTF-8 bytes of `key` (in the first `length` bytes of the result, which may be reused). */
function utf8Bytes(key: string): Uint8Array {
  // Keys are ASCII ids almost always, whose char codes are their bytes: no Buffer per record.
  if (scratch.length < key.length) scratch = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c >= 0x80) return Buffer.from(key, 'utf8');
    scratch[i] = c;
  }
  return scratch;
}

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2) over the UTF-8 bytes of `key`, as a signed int32. */
export function murmur2(key: string): number {
  // Bytes are read inline, not through a per-call accessor closure: tsx compiles with keepNames, which makes
  // every named closure an Object.defineProperty call, and that was a tenth of the producer's CPU.
  const data = utf8Bytes(key);
  const length = data === scratch ? key.length : data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k =
      (data[i4] as number) |
      ((data[i4 + 1] as number) << 8) |
      ((data[i4 + 2] as number) << 16) |
      ((data[i4 + 3] as number) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= (data[tail + 2] as number) << 16;
  if (rest >= 2) h ^= (data[tail + 1] as number) << 8;
  if (rest >= 1) {
    h ^= data[tail] as number;
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
