import type { Batch, Log } from '@hourglass/log';
import type { Warehouse } from '@hourglass/warehouse';
import type { Registry } from 'prom-client';
import { createGroupCommit } from './group-commit';
import { createAggregatorMetrics } from './metrics';
import { type AggregatedTopics, mergeRows, type Rows, routeRecords } from './route-records';
import { type SkippedRow, writeRows } from './write-rows';

export interface AggregatorLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface AggregatorOptions {
  log: Log;
  warehouse: Warehouse;
  topics: AggregatedTopics;
  groupId: string;
  registry: Registry;
  logger: AggregatorLogger;
  maxBatchSize?: number;
  /** Rows per warehouse write: batches handled at once are written together up to this many. Default 50,000. */
  maxGroupRows?: number;
  /** A write goes out once no batch joined it for this long (default 20 ms), at the latest after maxGroupWaitMs. */
  groupLingerMs?: number;
  /** Longest a batch waits for others to join its write. Default 1000 ms. */
  maxGroupWaitMs?: number;
  /** Partitions (of all consumed topics) handled at once, and so joining one write. Default 8. */
  partitionsConcurrently?: number;
  /** Kafka group session timeout; lower means a crashed process's partitions move sooner. */
  sessionTimeoutMs?: number;
  /** Called as each consumed batch arrives, before its rows are written (benchmarks time from the first). */
  onBatchReceived?: (b: { records: number }) => void;
}

/**
 * The aggregator service: consumes the detector's outputs, decisions and rejected events and writes
 * them to the warehouse. The log commits a batch's offsets only after this resolves; when the
 * warehouse is down the write throws and the log redelivers the batch after a backoff, which pauses
 * consumption instead of dead-lettering an infrastructure fault.
 */
export function createAggregator(opts: AggregatorOptions) {
  const metrics = createAggregatorMetrics(opts.registry);
  const consumer = opts.log.consumer({
    groupId: opts.groupId,
    maxBatchSize: opts.maxBatchSize ?? 10_000,
    // What the process holds at once is what these admit: up to 8 batches of ~5k segments (2 MiB per
    // partition and fetch, within kafkajs' 10 MiB per fetch), parsed, plus the write being built. 16
    // partitions of 4 MiB peaked at 481-510 MB resident against the 500 MB budget, for no more rows/s.
    partitionsConcurrently: opts.partitionsConcurrently ?? 8,
    maxBytesPerPartition: 2 * 1024 * 1024,
    ...(opts.sessionTimeoutMs ? { sessionTimeoutMs: opts.sessionTimeoutMs } : {}),
  });
  let written = 0;

  const group = createGroupCommit<{ batch: Batch; rows: Rows }>({
    maxRows: opts.maxGroupRows ?? 50_000,
    lingerMs: opts.groupLingerMs ?? 20,
    maxWaitMs: opts.maxGroupWaitMs ?? 1000,
    sizeOf: (item) => item.batch.records.length,
    async write(items) {
      const rows = mergeRows(items.map((i) => i.rows));
      const end = metrics.insertSeconds.startTimer();
      try {
        // Reported once the write succeeded: a failed write is retried and finds the same rows again.
        const skipped: SkippedRow[] = [];
        const counts = await writeRows(opts.warehouse, rows, (s) => skipped.push(s));
        for (const s of skipped) onSkipped(s);
        for (const [table, n] of Object.entries(counts)) {
          metrics.rows.inc({ table }, n);
          written += n;
        }
      } catch (err) {
        metrics.failures.inc();
        opts.logger.warn(
          { err, partitions: items.map((i) => `${i.batch.topic}/${i.batch.partition}`) },
          'warehouse write failed; will retry',
        );
        throw err;
      } finally {
        end();
      }
    },
  });

  // Skipped rows are logged by their id, never whole: a row may hold a platform's free text.
  function onSkipped({ table, row, field }: SkippedRow): void {
    metrics.invalidRows.inc({ table });
    opts.logger.error({ table, id: rowId(row), field }, 'row refused by the warehouse skipped');
  }

  async function onBatch(batch: Batch): Promise<void> {
    opts.onBatchReceived?.({ records: batch.records.length });
    const rows = routeRecords(batch.records, opts.topics);
    await group.add({ batch, rows });
    // After the write, as skipped rows are: a batch whose write failed is delivered again.
    for (const r of rows.malformed) {
      metrics.malformed.inc();
      opts.logger.error(
        { topic: r.topic, partition: r.partition, offset: r.offset },
        'malformed record skipped',
      );
    }
  }

  return {
    async start(): Promise<void> {
      const { segments, flags, sessions, certificates, decisions, rejected, counts } = opts.topics;
      await consumer.start({
        topics: [segments, flags, sessions, certificates, decisions, rejected, counts],
        fromBeginning: true,
        onBatch,
      });
    },
    async stop(): Promise<void> {
      await consumer.stop();
    },
    status() {
      return { written, consumerHealthy: consumer.isHealthy() };
    },
  };
}
export type Aggregator = ReturnType<typeof createAggregator>;

const ID_FIELDS = ['segmentId', 'flagId', 'sessionId', 'certificateId', 'decisionId', 'rowId', 'countId'];

/** The id a refused row is known by, for the log; '' when it has none (it may not even be an object). */
function rowId(row: unknown): string {
  if (typeof row !== 'object' || row === null) return '';
  const r = row as Record<string, unknown>;
  for (const f of ID_FIELDS) if (typeof r[f] === 'string') return `${f}=${(r[f] as string).slice(0, 200)}`;
  return '';
}
