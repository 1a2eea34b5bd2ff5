/**
 * Producer throughput on the ingest hot path: many concurrent `send` calls (one per HTTP request of
 * `perSend` events) through one LogProducer, coalesced by it into few produce requests.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 pnpm exec tsx packages/log/bench/produce.bench.ts [records] [perSend] [concurrency] [lanes] [maxBatchRecords]
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createKafkaLog, type OutgoingRecord } from '../src/index';

const [records = 200_000, perSend = 100, concurrency = 64, lanes = 2, maxBatchRecords = 2000] = process.argv
  .slice(2)
  .map(Number);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const partitions = 4;

function event(i: number): OutgoingRecord {
  const learnerId = `learner-${(i * 7919) % 50_000}`;
  const value = JSON.stringify({
    id: `evt-${i}-${randomUUID()}`,
    type: 'heartbeat',
    time: new Date(1_780_000_000_000 + i).toISOString(),
    receivedAt: new Date(1_780_000_000_100 + i).toISOString(),
    platformId: 'cvto',
    learnerId,
    sessionId: `session-${learnerId}-1`,
    courseId: 'course-welding-101',
    seq: i,
    intervalSec: 30,
    focus: true,
    interactions: 3,
    media: { positionSec: i % 3600, rate: 1, playing: true },
    ext: { ua: 'Mozilla/5.0 (X11; Linux)' },
  });
  return { topic: '', key: learnerId, value };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const log = createKafkaLog({
    brokers,
    clientId: 'hourglass-produce-bench',
    producerLanes: lanes,
    maxBatchRecords,
  });
  const topic = `bench-produce-${randomUUID().slice(0, 8)}`;
  await log.admin().ensureTopics([{ name: topic, partitions }]);
  // A pool of distinct events, reused round-robin: holding 200k strings alive would make the benchmark
  // measure its own garbage collector rather than the producer.
  const pool = Array.from({ length: 10_000 }, (_, i) => ({ ...event(i), topic }));
  const sends: OutgoingRecord[][] = [];
  for (let i = 0; i < records; i += perSend) {
    sends.push(
      Array.from({ length: Math.min(perSend, records - i) }, (_, j) => pool[(i + j) % pool.length]!),
    );
  }
  const avgBytes = pool.reduce((n, r) => n + r.value.length + r.key.length, 0) / pool.length;
  const producer = log.producer();
  await producer.connect();
  // Warm-up: metadata, connections, JIT.
  await producer.send(sends[0] ?? []);

  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  async function lane(): Promise<void> {
    while (next < sends.length) {
      const batch = sends[next++] as OutgoingRecord[];
      const t0 = performance.now();
      await producer.send(batch);
      latencies.push(performance.now() - t0);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;

  latencies.sort((a, b) => a - b);
  const end = await log.admin().endOffsets(topic);
  const stored = end.reduce((n, p) => n + Number(p.offset), 0);
  console.log(
    JSON.stringify(
      {
        records,
        avgRecordBytes: Math.round(avgBytes),
        perSend,
        concurrentSends: concurrency,
        partitions,
        producerLanes: lanes,
        maxBatchRecords,
        seconds: Number(seconds.toFixed(2)),
        recordsPerSec: Math.round(records / seconds),
        mbPerSec: Number(((records * avgBytes) / seconds / 1e6).toFixed(1)),
        // Load-independent-ish: CPU this process spent per record (the broker runs on the same machine).
        producerCpuUsPerRecord: Number(((cpuMs * 1000) / records).toFixed(1)),
        producerCpuPercent: Math.round((cpuMs / (seconds * 1000)) * 100),
        loadAverage1m: Number(loadavg()[0]?.toFixed(1)),
        sendLatencyMs: {
          p50: Number(percentile(latencies, 50).toFixed(1)),
          p95: Number(percentile(latencies, 95).toFixed(1)),
          p99: Number(percentile(latencies, 99).toFixed(1)),
          max: Number((latencies.at(-1) ?? 0).toFixed(1)),
        },
        storedInTopic: stored - (sends[0]?.length ?? 0),
      },
      null,
      2,
    ),
  );
  await producer.disconnect();
  await log.admin().deleteTopics?.([topic]);
  await log.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
