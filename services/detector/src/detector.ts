import type { AcceptedEvent } from '@hourglass/events';
import type { Batch, BatchContext, Log, LogProducer, LogRecord, OutgoingRecord } from '@hourglass/log';
import type { PolicyFor } from '@hourglass/rules';
import type { CommitOutcome, CommitRequest, DeviceWindows, StateStore } from '@hourglass/state';
import type { Registry } from 'prom-client';
import { type BatchSummary, summarize } from './batch-summary';
import { decodeCountProgress, encodeCountStretch, type OpenStretch } from './count-stretches';
import { DetectorError, isDetectorError } from './errors';
import { createDetectorMetrics } from './metrics';
import { decodeOutbox, encodeOutboxBytes } from './outbox';
import { type OutputTopics, toRecords } from './outputs';
import { parseRecord } from './parse-record';
import { processBatch } from './process-batch';
import { createBatchReporter } from './report-batch';

export interface DetectorLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface DetectorOptions {
  log: Log;
  state: StateStore;
  policyFor: PolicyFor;
  dayOf: (ms: number) => string;
  eventsTopic: string;
  topics: OutputTopics;
  groupId: string;
  registry: Registry;
  logger: DetectorLogger;
  maxBatchSize?: number;
  /**
   * Partitions whose batches may be processed at once. Their Redis and Kafka round trips then overlap
   * another partition's rules work; each partition still goes batch by batch. Default 4.
   */
  partitionsConcurrently?: number;
  /** Kafka group session timeout; lower means a crashed process's partitions move sooner. */
  sessionTimeoutMs?: number;
  /**
   * A batch that writes a learner state larger than this many bytes logs a warning naming the learner:
   * every event of that learner decodes and encodes all of it. The session cap keeps states far below the
   * default, 256 KiB (~5,000 one-heartbeat sessions, ~10 ms per event); flags with evidence on all 100
   * sessions come closest.
   */
  largeStateBytes?: number;
  /** Called after each committed batch (benchmarks and tests measure with it). */
  onBatchDone?: (b: { records: number; events: number; ms: number }) => void;
}

const MAX_CONFLICT_ATTEMPTS = 50;

/** A batch's events past the watermark, as parsed from its records. */
interface ParsedBatch {
  events: readonly AcceptedEvent[];
  offsets: readonly bigint[];
  countedBefore: number;
}

/** The parsed batch, until its first attempt takes it (see runAndCommit). */
interface Pending {
  parsed: ParsedBatch | null;
}

/** Where a committed batch leaves its partition. */
interface CommitMarks {
  watermark: string;
  countedUntil: bigint;
}

/** One attempt's commit (sent once) and what is produced after it. */
interface Prepared {
  request: CommitRequest | null;
  records: OutgoingRecord[];
  summary: BatchSummary;
}

const NO_DEVICES: DeviceWindows = { starts: new Map(), versions: new Map() };

interface Claim {
  generation: number;
  epoch: number;
  /** Offset of the last record whose effects are in the state store; null = none yet. */
  watermark: bigint | null;
  fenced: boolean;
  rewoundTo: bigint | null;
  /**
   * Offsets below this had their event counts produced already (null: no such knowledge), and are not
   * counted again. Normally watermark + 1; above it only after a rebuild of offsets whose counts went
   * out under per-batch ids, which a replay cannot reproduce (counts by position it can: see byPosition).
   */
  countFrom: bigint | null;
  /** The stretch being counted (count-stretches.ts), as stored with the watermark. */
  open: OpenStretch | null;
  /** The stored progress was written by position: a replay reproduces its counts, so it counts everything. */
  byPosition: boolean;
}

/**
 * The detector service: consumes accepted events, runs the rules, and writes state, dedupe ids,
 * the partition watermark and the batch's outputs (outbox) in one atomic, epoch-fenced step before
 * producing the outputs. Kafka offsets are committed by the log only after all of that succeeded.
 */
export function createDetector(opts: DetectorOptions) {
  const metrics = createDetectorMetrics(opts.registry);
  const report = createBatchReporter({
    metrics,
    logger: opts.logger,
    largeStateBytes: opts.largeStateBytes,
  });
  const consumer = opts.log.consumer({
    groupId: opts.groupId,
    maxBatchSize: opts.maxBatchSize ?? 1000,
    partitionsConcurrently: opts.partitionsConcurrently ?? 4,
    ...(opts.sessionTimeoutMs ? { sessionTimeoutMs: opts.sessionTimeoutMs } : {}),
  });
  const claims = new Map<string, Claim>();
  let producer: LogProducer | null = null;
  let processed = 0;

  async function claim(key: string, generation: number): Promise<Claim> {
    const existing = claims.get(key);
    if (existing && existing.generation === generation) return existing;
    const c = await opts.state.claimPartition(key);
    metrics.stateRoundTrips.inc();
    if (c.outbox !== null) {
      // The previous holder may have died between its state write and its produce: produce again.
      // Consumers dedupe by id, so a batch that had been produced already changes nothing.
      await producer!.send(decodeOutbox(c.outbox));
    }
    const progress = decodeCountProgress(c);
    const fresh: Claim = {
      generation,
      epoch: c.epoch,
      watermark: c.watermark === null ? null : BigInt(c.watermark),
      fenced: false,
      rewoundTo: null,
      countFrom: progress.countedUntil,
      open: progress.open,
      byPosition: progress.byPosition,
    };
    claims.set(key, fresh);
    opts.logger.info({ partition: key, epoch: fresh.epoch, watermark: c.watermark }, 'partition claimed');
    return fresh;
  }

  async function onBatch(batch: Batch, ctx: BatchContext): Promise<void> {
    const key = `${batch.topic}/${batch.partition}`;
    try {
      await processOne(batch, key, ctx.generation);
    } catch (err) {
      // After a failed state write or produce we no longer know what the store holds (a commit
      // whose reply was lost may have been applied). Claim again on the retry: the claim returns
      // the stored watermark and re-produces the stored outbox, so nothing is lost or credited twice.
      if (!isDetectorError(err, 'fenced')) claims.delete(key);
      throw err;
    }
  }

  /**
   * Loads the batch's state, runs the rules and commits. A 'conflict' means another partition wrote one
   * of the batch's device windows between the load and the commit: the batch's shared-device checks did
   * not see those starts, so it runs again on fresh state (nothing was written), parsed and loaded anew.
   *
   * What a batch keeps alive across a wait is copied by every young-generation GC meanwhile, and four
   * partitions' batches are in flight at once. V8 keeps an async function's locals (and the registers its
   * calls used) alive across an await even after their last use, so the events, the loaded and decoded
   * states and the rules' outputs live only in synchronous helpers and in `loadAndRun`, which returns
   * before the commit's wait; the store encodes the commit at once and keeps nothing of the request.
   * Across the commit's and the produce's waits a batch holds its log records (for a conflict's second
   * parse, and the log's redelivery), its records to produce and a small summary.
   */
  async function runAndCommit(
    batch: Batch,
    pending: Pending,
    key: string,
    c: Claim,
    marks: CommitMarks,
  ): Promise<{ records: OutgoingRecord[]; summary: BatchSummary }> {
    for (let attempt = 1; ; attempt++) {
      const prepared = await loadAndRun(batch, pending, key, c, marks);
      const outcome = await commitPrepared(prepared);
      metrics.stateRoundTrips.inc();
      if (outcome === 'ok') return { records: prepared.records, summary: prepared.summary };
      if (outcome === 'lost') {
        // onBatch drops the claim: the retry claims again and rebuilds from what the store holds.
        metrics.stateLost.inc();
        opts.logger.warn({ partition: key }, "state store lost this partition's last writes: claiming again");
        throw new DetectorError(
          'state_lost',
          `partition ${key}: the state store no longer holds this claim's writes`,
        );
      }
      if (outcome === 'fenced') {
        c.fenced = true;
        metrics.fenced.inc();
        throw new DetectorError('fenced', `partition ${key} was claimed by another process`);
      }
      metrics.deviceConflicts.inc();
      // Each conflict means another batch on these devices committed, so the group as a whole moves on
      // (lock-free). Losing 50 times in a row is far past the contention seen (51 conflicts in 660k
      // events); the log's backoff then takes over and the batch is delivered again.
      if (attempt >= MAX_CONFLICT_ATTEMPTS) {
        throw new DetectorError(
          'device_conflict',
          `partition ${key}: device windows changed under ${attempt} commits in a row`,
        );
      }
    }
  }

  /** The batch's events (parsed once more after a conflict) with their state, through the rules. */
  async function loadAndRun(
    batch: Batch,
    pending: Pending,
    key: string,
    c: Claim,
    marks: CommitMarks,
  ): Promise<Prepared> {
    const parsed = pending.parsed ?? parseBatch(batch, key, c, false).parsed;
    pending.parsed = null;
    const learnerIds = [...new Set(parsed.events.map((e) => e.learnerId))];
    const deviceIds = [
      ...new Set(parsed.events.flatMap((e) => (e.type === 'session.start' ? [e.deviceId] : []))),
    ];
    const [learners, devices] = await Promise.all([
      opts.state.loadLearners(learnerIds),
      deviceIds.length > 0 ? opts.state.loadDevices(deviceIds) : Promise.resolve(NO_DEVICES),
    ]);
    metrics.stateRoundTrips.inc(deviceIds.length > 0 ? 2 : 1);
    return runRules(parsed, learners, devices, key, c, marks);
  }

  function runRules(
    { events, offsets, countedBefore }: ParsedBatch,
    learners: ReadonlyMap<string, string>,
    devices: DeviceWindows,
    key: string,
    c: Claim,
    { watermark, countedUntil }: CommitMarks,
  ): Prepared {
    const result = processBatch(
      { events, offsets, open: c.open, learners, devices: devices.starts, countedBefore },
      { policyFor: opts.policyFor, dayOf: opts.dayOf, partition: key },
    );
    const records = toRecords(result.outputs, result.counts, opts.topics);
    return {
      request: {
        partition: key,
        epoch: c.epoch,
        watermark,
        learners: result.learners,
        deviceStarts: result.deviceStarts,
        outbox: encodeOutboxBytes(records),
        deviceVersions: devices.versions,
        previousWatermark: c.watermark === null ? null : String(c.watermark),
        countedUntil: String(countedUntil),
        countStretch: encodeCountStretch(watermark, result.open),
      },
      records,
      summary: summarize(result, events.length),
    };
  }

  /** Hands the commit request to the store and lets go of it (see runAndCommit). */
  function commitPrepared(prepared: Prepared): Promise<CommitOutcome> {
    const request = prepared.request;
    prepared.request = null;
    if (request === null) throw new TypeError('a prepared commit is sent once');
    return opts.state.commit(request);
  }

  /**
   * The batch's records past the watermark as events; a record that is not one is skipped, and logged
   * when `report` (not again when a conflict parses the batch once more).
   */
  function parseBatch(batch: Batch, key: string, c: Claim, report = true) {
    const events: AcceptedEvent[] = [];
    const offsets: bigint[] = [];
    let countedBefore = 0;
    let lastOffset = BigInt((batch.records[0] as LogRecord).offset);
    // Counted once the batch committed: a batch that fails (the state store down) is parsed again on its retry.
    const malformed = new Map<string, number>();
    for (const r of batch.records) {
      const offset = BigInt(r.offset);
      lastOffset = offset;
      if (c.watermark !== null && offset <= c.watermark) continue;
      const parsed = parseRecord(r.value);
      if (!parsed.ok) {
        malformed.set(parsed.type, (malformed.get(parsed.type) ?? 0) + 1);
        // The reason names a field and a code, never the record's content.
        if (report) {
          opts.logger.error(
            { partition: key, offset: r.offset, reason: parsed.reason },
            'record on the events topic that is not a valid accepted event skipped',
          );
        }
        continue;
      }
      events.push(parsed.event);
      offsets.push(offset);
      if (c.countFrom !== null && offset < c.countFrom) countedBefore = events.length;
    }
    return { parsed: { events, offsets, countedBefore }, lastOffset, malformed };
  }

  /** The batch parsed, and where its commit leaves the partition; null when nothing in it is new. */
  function startBatch(batch: Batch, key: string, c: Claim) {
    const { parsed, lastOffset, malformed } = parseBatch(batch, key, c);
    if (c.watermark !== null && lastOffset <= c.watermark) return null;
    const countedUntil =
      c.countFrom !== null && c.countFrom > lastOffset + 1n ? c.countFrom : lastOffset + 1n;
    const pending: Pending = { parsed };
    return { pending, lastOffset, malformed, countedUntil };
  }

  /** Commits the batch's effects to the state store; the records to produce then, or null if none is due. */
  async function commitBatch(batch: Batch, key: string, c: Claim) {
    const start = startBatch(batch, key, c);
    if (start === null) return null;
    const { lastOffset, countedUntil } = start;
    const committed = await runAndCommit(batch, start.pending, key, c, {
      watermark: String(lastOffset),
      countedUntil,
    });
    c.watermark = lastOffset;
    c.countFrom = countedUntil;
    c.open = committed.summary.open;
    c.byPosition = true;
    c.rewoundTo = null;
    return { ...committed, malformed: start.malformed };
  }

  async function processOne(batch: Batch, key: string, generation: number): Promise<void> {
    const started = performance.now();
    const c = await claim(key, generation);
    if (c.fenced) throw new DetectorError('fenced', `partition ${key} is held by a newer claim`);
    const first = batch.records[0];
    if (first === undefined) return;
    const expected = c.watermark === null ? 0n : c.watermark + 1n;
    if (BigInt(first.offset) > expected && c.rewoundTo === null) {
      // The state store is behind the log (Redis lost data): rebuild this partition from the log
      // rather than credit anything on incomplete state. Outputs are deterministic, so the replay
      // re-emits the same ids and downstream totals do not change.
      c.rewoundTo = expected;
      // Everything below the offset the log resumed at was produced, counts included.
      // Counts by position are replayed as they were, so only per-batch ones need this.
      const resumedAt = BigInt(first.offset);
      if (!c.byPosition && (c.countFrom === null || c.countFrom < resumedAt)) c.countFrom = resumedAt;
      metrics.rebuilds.inc();
      opts.logger.warn(
        { partition: key, from: String(expected), at: first.offset },
        'state behind log: rebuilding',
      );
      // A batch in flight during seek is not committed: the log resumes from `expected`.
      consumer.seek(batch.topic, batch.partition, String(expected));
      return;
    }
    const committed = await commitBatch(batch, key, c);
    if (committed === null) return;
    const { records, summary, malformed } = committed;
    if (records.length > 0) await producer!.send(records);
    processed += summary.events;
    report(summary, malformed, key);
    metrics.batchSize.observe(batch.records.length);
    const ms = performance.now() - started;
    metrics.batchSeconds.observe(ms / 1000);
    opts.onBatchDone?.({ records: batch.records.length, events: summary.events, ms });
  }

  return {
    async start(): Promise<void> {
      producer = opts.log.producer({ clientId: `${opts.groupId}-out` });
      await producer.connect();
      await consumer.start({
        topics: [opts.eventsTopic],
        fromBeginning: true,
        onBatch,
        onAssigned: (assigned, generation) => {
          opts.logger.info({ assigned, generation }, 'partitions assigned');
        },
      });
    },
    async stop(): Promise<void> {
      await consumer.stop();
      await producer?.disconnect();
    },
    status() {
      return {
        processed,
        producerConnected: producer?.isConnected() ?? false,
        consumerHealthy: consumer.isHealthy(),
      };
    },
  };
}
export type Detector = ReturnType<typeof createDetector>;
