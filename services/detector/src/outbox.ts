import type { OutgoingRecord } from '@hourglass/log';
import { DetectorError } from './errors';

/**
 * The outbox is written with every batch's state, so its encoding is on the hot path. JSON of the records
 * would escape every quote of every value (the values are JSON themselves). A line per record,
 * `topic \t key \t value`, costs a join: topics and keys are validated names and ids without control
 * characters, and a JSON.stringify'd value never contains a raw tab or newline.
 */
const FORMAT = 'outbox/1\n';
const SEPARATORS = /[\t\n]/;

function refuseSeparators(r: OutgoingRecord, i: number): void {
  // includes() scans a value ~7x faster than a character-class regex; values are most of the bytes.
  if (
    SEPARATORS.test(r.topic) ||
    SEPARATORS.test(r.key) ||
    r.value.includes('\t') ||
    r.value.includes('\n')
  ) {
    throw new DetectorError(
      'invalid_output',
      `record ${i} holds a tab or newline and cannot be kept in the outbox`,
    );
  }
}

/** The outbox as text: the reference for encodeOutboxBytes, whose UTF-8 bytes it names. */
export function encodeOutbox(records: readonly OutgoingRecord[]): string {
  const lines: string[] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as OutgoingRecord;
    refuseSeparators(r, i);
    lines[i] = `${r.topic}\t${r.key}\t${r.value}`;
  }
  return FORMAT + lines.join('\n');
}

/**
 * Buffer's per-encoding writer, public on Buffer.prototype since Node 0.x though missing from @types/node
 * (as in the log's produce-request.ts): for ASCII text, latin1 is the same bytes and a plain copy.
 */
type Latin1Writer = Buffer & { latin1Write(text: string, offset: number, length: number): number };

function writeText(buf: Latin1Writer, at: number, text: string, bytes: number): number {
  // Equal lengths mean every character is ASCII (anything else takes 2-4 bytes).
  return at + (bytes === text.length ? buf.latin1Write(text, at, bytes) : buf.write(text, at, bytes, 'utf8'));
}

/**
 * Buffer.from(encodeOutbox(records)), byte for byte, without the text. The outbox is ~0.75-0.85 MB per
 * batch of 2,000 events: as text it was joined (a copy), then concatenated into the commit's command
 * string by ioredis (another flattening copy) and UTF-8 encoded into the socket. As bytes it is copied
 * once, into the commit's command: a commit of 2,000 records and states went from 6.0-6.2 to 4.9-5.0 ms
 * of the detector's CPU, Redis' unchanged (services/detector/bench/commit-encoding.bench.ts, 12
 * alternating blocks of 40 commits each; the state store encodes that command itself since, resp.ts).
 */
export function encodeOutboxBytes(records: readonly OutgoingRecord[]): Buffer {
  const n = records.length;
  const sizes = new Array<number>(3 * n);
  let size = FORMAT.length + (n > 0 ? 3 * n - 1 : 0); // two tabs per line, newlines between lines
  for (let i = 0; i < n; i++) {
    const r = records[i] as OutgoingRecord;
    refuseSeparators(r, i);
    const t = Buffer.byteLength(r.topic);
    const k = Buffer.byteLength(r.key);
    const v = Buffer.byteLength(r.value);
    sizes[3 * i] = t;
    sizes[3 * i + 1] = k;
    sizes[3 * i + 2] = v;
    size += t + k + v;
  }
  const buf = Buffer.allocUnsafe(size) as Latin1Writer;
  let at = buf.latin1Write(FORMAT, 0, FORMAT.length);
  for (let i = 0; i < n; i++) {
    const r = records[i] as OutgoingRecord;
    if (i > 0) buf[at++] = 0x0a;
    at = writeText(buf, at, r.topic, sizes[3 * i] as number);
    buf[at++] = 0x09;
    at = writeText(buf, at, r.key, sizes[3 * i + 1] as number);
    buf[at++] = 0x09;
    at = writeText(buf, at, r.value, sizes[3 * i + 2] as number);
  }
  if (at !== size) throw new DetectorError('invalid_output', `outbox: wrote ${at} bytes, sized ${size}`);
  return buf;
}

export function decodeOutbox(text: string): OutgoingRecord[] {
  // Written by detectors before outbox/1: a JSON array of records.
  if (text.startsWith('[')) return JSON.parse(text) as OutgoingRecord[];
  if (!text.startsWith(FORMAT)) throw new DetectorError('invalid_output', 'outbox of an unknown format');
  const body = text.slice(FORMAT.length);
  if (body.length === 0) return [];
  return body.split('\n').map((line, i) => {
    const a = line.indexOf('\t');
    const b = a < 0 ? -1 : line.indexOf('\t', a + 1);
    if (b < 0) throw new DetectorError('invalid_output', `outbox line ${i} is not topic, key and value`);
    return { topic: line.slice(0, a), key: line.slice(a + 1, b), value: line.slice(b + 1) };
  });
}
