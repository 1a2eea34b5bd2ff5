/**
 * Consumer cost per record: a topic pre-loaded with realistic ~470-byte segment records, read back
 * through the Kafka adapter's consumer (kafkajs, patched) with a handler that does nothing, then with
 * one that JSON-parses each value as the aggregator does. Prints CPU µs per record and records/s for
 * each pass (the consumer's start and group join included). Not a test: numbers vary with the load.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 pnpm exec tsx services/aggregator/bench/consume.bench.ts [records]
 */
import { writeFileSync } from 'node:fs';
import { topicNames } from '@hourglass/events';
import { createKafkaLog, ensurePipelineTopics, type LogRecord } from '@hourglass/log';
import { countArg, machineDescription, resultsFile } from '../../../bench/machine';
import { BENCH_SHAPE, createGenerator } from '../../../bench/segments-generator';
import { sendSegments } from './send-segments';

const RECORDS = countArg(process.argv[2], 500_000, 'records');
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

async function main(): Promise<void> {
  const topics = topicNames(`consumebench${Date.now()}.`);
  const log = createKafkaLog({ brokers, clientId: 'bench-consume' });
  await ensurePipelineTopics(log, topics);
  const producer = log.producer({ clientId: 'bench-consume-load' });
  const gen = createGenerator(BENCH_SHAPE);
  for (let d = 0, n = 0; n < RECORDS; d++) {
    const rows = gen.day(d).segments.slice(0, RECORDS - n);
    await sendSegments(producer, topics.segments, rows);
    n += rows.length;
  }
  await producer.disconnect();

  const pass = async (name: string, handle: (records: readonly LogRecord[]) => void) => {
    const consumer = log.consumer({
      groupId: `${topics.segments}.${name}`,
      maxBatchSize: 10_000,
      partitionsConcurrently: 8,
      maxBytesPerPartition: 2 * 1024 * 1024,
    });
    let seen = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    await new Promise<void>((resolve) => {
      void consumer.start({
        topics: [topics.segments],
        fromBeginning: true,
        onBatch: async (batch) => {
          handle(batch.records);
          seen += batch.records.length;
          if (seen >= RECORDS) resolve();
        },
      });
    });
    const used = process.cpuUsage(cpu);
    const seconds = (performance.now() - started) / 1000;
    await consumer.stop();
    return {
      pass: name,
      records: seen,
      recordsPerSec: Math.round(seen / seconds),
      cpuMicrosPerRecord: Math.round(((used.user + used.system) / seen) * 100) / 100,
    };
  };

  let sink = 0;
  const results = [
    await pass('noop', () => {}),
    await pass('json-parse', (records) => {
      for (const r of records) sink += (JSON.parse(r.value) as { startMs: number }).startMs;
    }),
  ];
  const result = { benchmark: 'log-consume', machine: machineDescription(), results, checksum: sink > 0 };
  console.log(JSON.stringify(result, null, 2));
  writeFileSync(resultsFile('consume.json'), `${JSON.stringify(result, null, 2)}\n`);
  await log.admin().deleteTopics?.(Object.values(topics));
  await log.close();
}

await main();
