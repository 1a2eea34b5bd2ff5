/**
 * What a consumer spends per record between the fetch response's bytes and the log's records, without
 * the network or the broker: kafkajs' record batch decoder (patched, patches/kafkajs@2.2.4.patch), its
 * Batch (offset filter) and the adapter's toRecord, on batches written by kafkajs' own encoder with
 * the segments the consume bench sends (the warehouse bench's generator, as JSON). Prints CPU µs per
 * record, the median of the rounds, and writes it to bench/results/decode.json (or BENCH_RESULTS).
 *
 *   pnpm exec tsx packages/log/bench/decode.bench.ts [records per batch] [batches] [rounds]
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { countArg, machineDescription, resultsFile } from '../../../bench/machine';
// The warehouse benchmark's generator: the realistic segments the consume and aggregator benches send.
import { BENCH_SHAPE, createGenerator } from '../../../bench/segments-generator';
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
/** A generated segment (the log package does not depend on @hourglass/events). */
type Segment = ReturnType<ReturnType<typeof createGenerator>['day']>['segments'][number];

async function batches(): Promise<Buffer[]> {
  const gen = createGenerator(BENCH_SHAPE);
  let segments: Segment[] = [];
  for (let d = 0; segments.length < BATCHES * PER_BATCH; d++) {
    segments = segments.concat(gen.day(d).segments.slice(0, BATCHES * PER_BATCH - segments.length));
  }
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
          key: Buffer.from((segments[b * PER_BATCH + i] as Segment).learnerId),
          value: Buffer.from(JSON.stringify(segments[b * PER_BATCH + i])),
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
writeFileSync(resultsFile('decode.json'), `${JSON.stringify(result, null, 2)}\n`);
