import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { LogError } from '../errors';
import { createInterrupter, retryUntilDone } from '../retry';
import type {
  BatchContext,
  ConsumerStartOptions,
  LogConsumer,
  PinoLikeLogger,
  TopicPartition,
} from '../types';
import {
  type ResolvedConsumerOptions,
  validateOffset,
  validatePartition,
  validateTopicName,
} from '../validate';
import type { GroupMember, Groups } from './groups';
import type { PartitionLog, Store } from './store';

export interface EmbeddedConsumerDeps {
  id: number;
  store: Store;
  groups: Groups;
  options: ResolvedConsumerOptions;
  logger: PinoLikeLogger | undefined;
  isClosed(): boolean;
}

interface Owned extends TopicPartition {
  key: string;
  log: PartitionLog;
  position: number;
}

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * One member of an embedded consumer group. Like a kafkajs consumer it hands one batch at a time to onBatch
 * (partitions served round-robin), so code that works here does not meet surprise concurrency on Kafka.
 */
export function createEmbeddedConsumer(deps: EmbeddedConsumerDeps): LogConsumer {
  const { store, groups, options, logger } = deps;
  const backoff = { initialMs: options.retryInitialMs, maxMs: options.retryMaxMs };
  const interrupter = createInterrupter();
  const parked = new Set<() => void>();
  const seeks = new Map<string, number>();
  let startOpts: ConsumerStartOptions | undefined;
  let running = false;
  let generation = 0;
  let owned = new Set<string>();
  let currentLoop: Promise<void> = Promise.resolve();

  function wakeAll(): void {
    interrupter.interrupt();
    for (const wake of [...parked]) wake();
  }

  async function park(partitions: Owned[]): Promise<void> {
    let wake = () => {};
    await new Promise<void>((resolve) => {
      wake = resolve;
      parked.add(wake);
      for (const p of partitions) p.log.waiters.add(wake);
    });
    parked.delete(wake);
    for (const p of partitions) p.log.waiters.delete(wake);
  }

  function startPosition(log: PartitionLog, wanted: number | undefined): number {
    const end = log.records.length;
    if (wanted !== undefined && wanted <= end) return wanted;
    // No committed offset, or one past the end (Kafka's OffsetOutOfRange): auto.offset.reset semantics.
    return startOpts?.fromBeginning ? 0 : end;
  }

  async function runGeneration(gen: number, assignment: TopicPartition[], previous: Promise<void>) {
    await previous;
    const opts = startOpts;
    const active = () => running && generation === gen && !deps.isClosed();
    if (!opts || !active()) return;
    const onFailure = (what: string, extra: object) => (err: unknown, failures: number, delayMs: number) =>
      logger?.warn({ ...extra, err, failures, retryInMs: delayMs, groupId: options.groupId }, what);

    if (opts.onAssigned) {
      const onAssigned = opts.onAssigned;
      const ok = await retryUntilDone({
        run: async () => onAssigned(assignment, gen),
        abandoned: () => !active(),
        wait: interrupter.wait,
        backoff,
        onFailure: onFailure('onAssigned failed; retrying', { generation: gen }),
      });
      if (!ok) return;
    }

    const partitions: Owned[] = assignment.map(({ topic, partition }) => {
      const log = store.topic(topic).partitions[partition] as PartitionLog;
      const position = startPosition(log, groups.committed(options.groupId, topic, partition));
      return { topic, partition, key: tpKey(topic, partition), log, position };
    });
    const ctx: BatchContext = {
      generation: gen,
      isRunning: () => running && !deps.isClosed(),
      heartbeat: async () => {
        if (generation !== gen) {
          throw new LogError('rebalancing', `group ${options.groupId} rebalanced (generation ${generation})`);
        }
      },
    };

    let cursor = 0;
    while (active()) {
      for (const p of partitions) {
        const seekTo = seeks.get(p.key);
        if (seekTo === undefined) continue;
        seeks.delete(p.key);
        p.position = startPosition(p.log, seekTo);
      }
      let next: Owned | undefined;
      for (let i = 0; i < partitions.length && !next; i++) {
        const candidate = partitions[(cursor + i) % partitions.length] as Owned;
        if (candidate.position < candidate.log.records.length) {
          next = candidate;
          cursor = (cursor + i + 1) % partitions.length;
        }
      }
      if (!next) {
        await park(partitions);
        continue;
      }
      const p = next;
      const from = p.position;
      const records = p.log.records.slice(from, from + options.maxBatchSize);
      const batch = { topic: p.topic, partition: p.partition, records };
      const delivered = await retryUntilDone({
        run: () => opts.onBatch(batch, ctx),
        abandoned: () => !active() || seeks.has(p.key),
        wait: interrupter.wait,
        backoff,
        onFailure: onFailure('onBatch failed; redelivering the same records after a backoff', {
          topic: p.topic,
          partition: p.partition,
          firstOffset: String(from),
          records: records.length,
        }),
      });
      // A seek while the batch was in flight means its owner no longer wants these records committed.
      if (!delivered || seeks.has(p.key)) continue;
      p.position = from + records.length;
      groups.commit(options.groupId, p.topic, p.partition, p.position);
      await yieldToEventLoop();
    }
  }

  const member: GroupMember = {
    id: deps.id,
    get topics() {
      return startOpts?.topics ?? [];
    },
    rebalance(assignment, gen, previous) {
      generation = gen;
      owned = new Set(assignment.map((tp) => tpKey(tp.topic, tp.partition)));
      for (const key of [...seeks.keys()]) if (!owned.has(key)) seeks.delete(key);
      wakeAll();
      const loop = runGeneration(gen, assignment, previous).catch((err: unknown) => {
        // Only a bug or a deleted topic gets here; the member stays in the group, owning nothing.
        logger?.error({ err, groupId: options.groupId }, 'embedded consumer loop failed');
      });
      currentLoop = loop;
      return loop;
    },
  };

  return {
    async start(opts) {
      if (deps.isClosed()) throw new LogError('closed', 'log is closed');
      if (running)
        throw new LogError('invalid_argument', `consumer of group ${options.groupId} already started`);
      if (!Array.isArray(opts.topics) || opts.topics.length === 0) {
        throw new LogError('invalid_argument', 'start needs at least one topic');
      }
      for (const topic of opts.topics) {
        validateTopicName(topic);
        store.topic(topic);
      }
      startOpts = { ...opts, topics: [...new Set(opts.topics)] };
      running = true;
      groups.join(options.groupId, member);
    },
    async stop() {
      if (!running) return;
      running = false;
      wakeAll();
      await currentLoop;
      groups.leave(options.groupId, member);
      seeks.clear();
    },
    isHealthy() {
      // In-process: nothing between the consumer and its log can fail.
      return running && !deps.isClosed();
    },
    seek(topic, partition, offset) {
      validateTopicName(topic);
      validatePartition(partition);
      validateOffset(offset);
      const key = tpKey(topic, partition);
      if (!running || !owned.has(key)) return;
      seeks.set(key, Number(offset));
      wakeAll();
    },
  };
}
