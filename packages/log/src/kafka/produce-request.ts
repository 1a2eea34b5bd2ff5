import { crc32c } from '@node-rs/crc32';

/** A record with the UTF-8 byte lengths (Buffer.byteLength) of its key and value, measured once: sizedRecord. */
export interface SizedRecord {
  key: string;
  value: string;
  keyBytes: number;
  valueBytes: number;
}

export const sizedRecord = (key: string, value: string): SizedRecord => ({
  key,
  value,
  keyBytes: Buffer.byteLength(key),
  valueBytes: Buffer.byteLength(value),
});

/** The records of one partition in one request, numbered from `firstSequence` (idempotent producer). */
export interface PartitionRecords {
  partition: number;
  firstSequence: number;
  records: readonly SizedRecord[];
}

export interface ProduceRequestSpec {
  acks: number;
  timeoutMs: number;
  producerId: bigint;
  producerEpoch: number;
  /** CreateTime of every record of the request (ms since epoch). */
  timestampMs: number;
  topics: ReadonlyMap<string, readonly PartitionRecords[]>;
}

/** One record of a batch, its length prefix included: attributes, timestamp delta 0, offset delta, key, value, no headers. */
function recordBytes(offsetDelta: number, keyBytes: number, valueBytes: number): number {
  const body =
    3 +
    uvarintSize(zigzag(offsetDelta)) +
    uvarintSize(zigzag(keyBytes)) +
    keyBytes +
    uvarintSize(zigzag(valueBytes)) +
    valueBytes;
  return uvarintSize(zigzag(body)) + body;
}

/** The size of a batch holding just this record: what a broker compares with message.max.bytes. */
export function oneRecordBatchBytes(keyBytes: number, valueBytes: number): number {
  return BATCH_HEADER + recordBytes(0, keyBytes, valueBytes);
}

/** Produce v9 is the first flexible version: compact strings and arrays, tagged fields (all empty here). */
export const PRODUCE_API_VERSION = 9;

// RecordBatch v2 header: baseOffset 8, batchLength 4, partitionLeaderEpoch 4, magic 1, crc 4, attributes 2,
// lastOffsetDelta 4, firstTimestamp 8, maxTimestamp 8, producerId 8, producerEpoch 2, baseSequence 4, count 4.
const BATCH_HEADER = 61;
const CRC_AT = 17;
const ATTRIBUTES_AT = 21;
const TWO_32 = 4294967296;

const zigzag = (n: number) => ((n << 1) ^ (n >> 31)) >>> 0;

function uvarintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeUvarint(buf: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[at++] = n;
  return at;
}

/**
 * Buffer's per-encoding writers, which Buffer#write dispatches to after checking its arguments and looking
 * up the encoding by name; that dispatch was ~4 % of the producer's CPU at two writes per record. Public on
 * Buffer.prototype since Node 0.x, though missing from @types/node.
 */
type EncodingWriters = Buffer & {
  latin1Write(text: string, offset: number, length: number): number;
  utf8Write(text: string, offset: number, length: number): number;
};

function writeText(buf: EncodingWriters, at: number, text: string, bytes: number): number {
  // Equal lengths mean every character is ASCII (anything else takes 2-4 bytes), where latin1 is the same bytes.
  const written = bytes === text.length ? buf.latin1Write(text, at, bytes) : buf.utf8Write(text, at, bytes);
  if (written !== bytes) throw new Error(`produce request: a text of ${written} bytes was sized ${bytes}`);
  return at + bytes;
}

/**
 * Encodes a whole Produce v9 request body into one buffer: every record batch (RecordBatch v2, no
 * compression, no headers, CRC32C) written in place. @platformatic/kafka builds each record as its own small
 * buffer and concatenates them, which was a third of the ingest's CPU; here a record costs two string writes
 * and a few varints. Byte lengths come with the records: measuring a freshly built string flattens it, which
 * is worth doing once, not once per layer. Record layout and field order follow the Kafka protocol guide.
 */
export function encodeProduceRequest(spec: ProduceRequestSpec): Buffer {
  // Pass 1: sizes.
  const batchSizes: number[] = [];
  let size = 1 + 2 + 4 + uvarintSize(spec.topics.size + 1) + 1; // transactional_id, acks, timeout, topics, tags
  for (const [topic, parts] of spec.topics) {
    const name = Buffer.byteLength(topic);
    size += uvarintSize(name + 1) + name + uvarintSize(parts.length + 1) + 1;
    for (const p of parts) {
      let batch = BATCH_HEADER;
      for (let i = 0; i < p.records.length; i++) {
        const rec = p.records[i] as SizedRecord;
        const k = rec.keyBytes;
        const v = rec.valueBytes;
        batch += recordBytes(i, k, v);
      }
      batchSizes.push(batch);
      size += 4 + uvarintSize(batch + 1) + batch + 1; // partition index, records, tags
    }
  }

  // Pass 2: bytes.
  const buf = Buffer.allocUnsafe(size) as EncodingWriters;
  let at = 0;
  buf[at++] = 0; // transactional_id: null
  at = buf.writeInt16BE(spec.acks, at);
  at = buf.writeInt32BE(spec.timeoutMs, at);
  at = writeUvarint(buf, at, spec.topics.size + 1);
  const tsHigh = Math.floor(spec.timestampMs / TWO_32);
  const tsLow = spec.timestampMs - tsHigh * TWO_32;
  let b = 0;
  for (const [topic, parts] of spec.topics) {
    const name = Buffer.byteLength(topic);
    at = writeUvarint(buf, at, name + 1);
    at = writeText(buf, at, topic, name);
    at = writeUvarint(buf, at, parts.length + 1);
    for (const p of parts) {
      at = buf.writeInt32BE(p.partition, at);
      at = writeUvarint(buf, at, (batchSizes[b++] as number) + 1);
      const start = at;
      at = buf.writeInt32BE(0, at); // baseOffset (high)
      at = buf.writeInt32BE(0, at); // baseOffset (low)
      at += 4; // batchLength, below
      at = buf.writeInt32BE(-1, at); // partitionLeaderEpoch: unknown to producers
      buf[at++] = 2; // magic
      at += 4; // crc, below
      at = buf.writeInt16BE(0, at); // attributes: no compression, CreateTime, not transactional
      at = buf.writeInt32BE(p.records.length - 1, at); // lastOffsetDelta
      at = buf.writeUInt32BE(tsHigh, at);
      at = buf.writeUInt32BE(tsLow, at); // firstTimestamp
      at = buf.writeUInt32BE(tsHigh, at);
      at = buf.writeUInt32BE(tsLow, at); // maxTimestamp
      at = buf.writeBigInt64BE(spec.producerId, at);
      at = buf.writeInt16BE(spec.producerEpoch, at);
      at = buf.writeInt32BE(p.firstSequence, at);
      at = buf.writeInt32BE(p.records.length, at);
      for (let i = 0; i < p.records.length; i++) {
        const rec = p.records[i] as SizedRecord;
        const k = rec.keyBytes;
        const v = rec.valueBytes;
        const body = 3 + uvarintSize(zigzag(i)) + uvarintSize(zigzag(k)) + k + uvarintSize(zigzag(v)) + v;
        at = writeUvarint(buf, at, zigzag(body));
        buf[at++] = 0; // attributes
        buf[at++] = 0; // timestampDelta
        at = writeUvarint(buf, at, zigzag(i)); // offsetDelta
        at = writeUvarint(buf, at, zigzag(k));
        at = writeText(buf, at, rec.key, k);
        at = writeUvarint(buf, at, zigzag(v));
        at = writeText(buf, at, rec.value, v);
        buf[at++] = 0; // headers: none
      }
      const batchBytes = at - start;
      buf.writeInt32BE(batchBytes - 12, start + 8);
      buf.writeUInt32BE(crc32c(buf.subarray(start + ATTRIBUTES_AT, at)), start + CRC_AT);
      buf[at++] = 0; // partition tags
    }
    buf[at++] = 0; // topic tags
  }
  buf[at++] = 0; // request tags
  if (at !== size) throw new Error(`produce request: wrote ${at} bytes, sized ${size}`);
  return buf;
}
