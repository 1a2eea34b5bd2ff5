/**
 * What a consumer spends per record between the fetch response's bytes and the log's records, without
 * the network or the broker: kafkajs' record batch decoder (patched, patches/kafkajs@2.2.4.patch), its
 * Batch (offset filter) and the adapter's toRecord, on batches written by kafkajs' own encoder with
 * ~330-byte segment-like values. Prints CPU µs per record, the median of the rounds, and writes it to
 * bench/results/decode.json (or BENCH_RESULTS).
 *
 *   pnpm exec tsx packages/log/bench/decode.bench.ts [records per batch] [batches] [rounds]
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { countArg, machineDescription } from '../../../bench/machine';
import { toRecord } from '../src/kafka/consumer';

const require = createRequire(import.meta.url);
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js');
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js');
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js');
const Decoder = require('kafkajs/src/protocol/decoder.js');
const Batch = require('kafkajs/src/consumer/batch.js');
const Long = require('kafkajs/src/utils/long.js');

const PER_BATCH = countArg(process.argv[2], 500, 'records per batch');
const BATCHES = countArg(process.argv[3], 40, 'batches');
const ROUNDS = countArg(process.argv[4], 15, 'rounds');
const T0 = 1_772_323_200_000;

function value(i: number): string {
  return JSON.stringify({
    segmentId: `s_${i.toString(36).padStart(20, 'x')}`,
    learnerId: `bench-L${i % 20_000}`,
    platformId: `p${String(i % 50).padStart(2, '0')}`,
    sessionId: `S${i % 20_000}`,
    courseId: `c${i % 300}`,
    deviceId: `D${i % 20_000}`,
    occupation: `${i % 100}`,
    region: `${110000 + (i % 30)}`,
    learnerGroup: 'migrant_worker',
    startMs: T0 + i * 1000,
    endMs: T0 + i * 1000 + 30_000,
    status: 'verified',
    kinds: [],
    flagIds: [],
    eventId: `S${i % 20_000}-h${i % 25}`,
  });
}

async function batches(): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const first = 1_000_000 + b * PER_BATCH;
    const batch = await RecordBatch({
      firstOffset: Long.fromNumber(first),
      firstTimestamp: Long.fromNumber(T0 + b * 10_000),
      maxTimestamp: Long.fromNumber(T0 + b * 10_000 + PER_BATCH),
      lastOffsetDelta: PER_BATCH - 1,
      records: Array.from({ length: PER_BATCH }, (_, i) =>
        Record({
          offsetDelta: i,
          timestampDelta: Long.fromNumber(i),
          key: Buffer.from(`bench-L${(first + i) % 20_000}`),
          value: Buffer.from(value(first + i)),
          headers: {},
        }),
      ),
    });
    out.push(batch.buffer);
  }
  return out;
}

async function round(buffers: Buffer[]): Promise<{ micros: number; check: number }> {
  let check = 0;
  const cpu = process.cpuUsage();
  for (let b = 0; b < buffers.length; b++) {
    const decoded = await decodeRecordBatch(new Decoder(buffers[b]));
    const batch = new Batch('bench.segments', String(1_000_000 + b * PER_BATCH), {
      partition: 0,
      highWatermark: '99999999',
      messages: decoded.records,
    });
    for (const m of batch.messages) {
      const r = toRecord('bench.segments', 0, m);
      check += r.value.length + r.timestamp;
    }
  }
  const used = process.cpuUsage(cpu);
  return { micros: (used.user + used.system) / (buffers.length * PER_BATCH), check };
}

const buffers = await batches();
const results: number[] = [];
let check = 0;
for (let i = 0; i < ROUNDS; i++) {
  const r = await round(buffers);
  results.push(r.micros);
  check += r.check;
}
results.sort((a, b) => a - b);
const median = results[Math.floor(results.length / 2)] as number;
const result = {
  benchmark: 'log-decode',
  machine: machineDescription(),
  records: BATCHES * PER_BATCH,
  rounds: ROUNDS,
  cpuMicrosPerRecord: {
    median: Math.round(median * 1000) / 1000,
    min: Math.round((results[0] as number) * 1000) / 1000,
  },
  checksum: check > 0,
};
console.log(JSON.stringify(result, null, 2));
writeFileSync(
  process.env.BENCH_RESULTS ?? new URL('../../../bench/results/decode.json', import.meta.url),
  `${JSON.stringify(result, null, 2)}\n`,
);
