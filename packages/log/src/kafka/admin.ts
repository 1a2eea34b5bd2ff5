import type { Admin, Kafka } from 'kafkajs';
import type { LogAdmin, PinoLikeLogger } from '../types';
import { validateTopicName, validateTopicSpecs } from '../validate';
import { classify, isLeadershipSettling, toLogError, withDeadline } from './to-log-error';

export interface KafkaAdminSettings {
  kafka: Kafka;
  logger: PinoLikeLogger | undefined;
  /** Upper bound of each admin operation. */
  timeoutMs: number;
}

export interface KafkaLogAdmin extends LogAdmin {
  /** Partition count per topic; rejects with 'unknown_topic' if one does not exist. */
  partitionCounts(topics: string[]): Promise<Map<string, number>>;
  disconnect(): Promise<void>;
}

const byPartition = (a: { partition: number }, b: { partition: number }) => a.partition - b.partition;

/** One lazily connected kafkajs admin client shared by every `admin()` of a log. */
export function createKafkaAdmin(settings: KafkaAdminSettings): KafkaLogAdmin {
  let connected: Promise<Admin> | undefined;

  function admin(): Promise<Admin> {
    if (!connected) {
      const client = settings.kafka.admin();
      const attempt = client.connect().then(() => client);
      connected = attempt;
      attempt.catch(() => {
        if (connected === attempt) connected = undefined;
        client.disconnect().catch(() => {});
      });
    }
    return connected;
  }

  /**
   * kafkajs keeps a connection whose request timed out and sends the next requests on it: one that went
   * silent (no answer, no close) would fail every later operation for good. A client that could not reach
   * the cluster is therefore dropped, and the next operation connects afresh.
   */
  function drop(client: Promise<Admin>): void {
    if (connected !== client) return;
    connected = undefined;
    client.then((a) => a.disconnect()).catch(() => {});
  }

  async function run<T>(operation: string, fn: (a: Admin) => Promise<T>): Promise<T> {
    const client = admin();
    try {
      return await withDeadline(
        client.then((a) => fn(a)),
        settings.timeoutMs,
        operation,
      );
    } catch (err) {
      const error = toLogError(err, operation);
      if (error.code === 'unavailable') drop(client);
      throw error;
    }
  }

  /**
   * Reads that are safe to repeat: retried while a partition's leadership is still settling. A topic
   * created a moment ago can answer NOT_LEADER_FOR_PARTITION from a broker whose metadata lags the
   * controller's, even after createTopics waited for leaders.
   */
  async function read<T>(operation: string, fn: (a: Admin) => Promise<T>): Promise<T> {
    const until = Date.now() + settings.timeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await run(operation, fn);
      } catch (err) {
        if (!isLeadershipSettling(err) || Date.now() + 100 * attempt > until) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  return {
    async ensureTopics(topics) {
      validateTopicSpecs(topics);
      if (topics.length === 0) return;
      await run('ensureTopics', async (a) => {
        const existing = new Set(await a.listTopics());
        const missing = topics.filter((t) => !existing.has(t.name));
        if (missing.length > 0) {
          try {
            await a.createTopics({
              waitForLeaders: true,
              timeout: settings.timeoutMs,
              topics: missing.map((t) => ({
                topic: t.name,
                numPartitions: t.partitions,
                replicationFactor: t.replicationFactor ?? -1,
              })),
            });
          } catch (err) {
            // Another process created some of them first; kafkajs reports that as an aggregate of TOPIC_ALREADY_EXISTS.
            const errors = (err as { errors?: { type?: string }[] }).errors;
            if (!Array.isArray(errors) || !errors.every((e) => e.type === 'TOPIC_ALREADY_EXISTS')) throw err;
          }
        }
        const present = topics.filter((t) => existing.has(t.name));
        if (present.length === 0) return;
        const { topics: metadata } = await a.fetchTopicMetadata({ topics: present.map((t) => t.name) });
        for (const t of present) {
          const actual = metadata.find((m) => m.name === t.name)?.partitions.length;
          if (actual !== undefined && actual !== t.partitions) {
            // Growing a keyed topic would move keys between partitions; that is an operator's decision.
            settings.logger?.warn(
              { topic: t.name, wanted: t.partitions, actual },
              'topic exists with another partition count; left unchanged',
            );
          }
        }
      });
    },
    async endOffsets(topic) {
      validateTopicName(topic);
      const offsets = await read(`endOffsets(${topic})`, (a) => a.fetchTopicOffsets(topic));
      return offsets.map(({ partition, high }) => ({ partition, offset: high })).sort(byPartition);
    },
    async startOffsets(topic) {
      validateTopicName(topic);
      const offsets = await read(`startOffsets(${topic})`, (a) => a.fetchTopicOffsets(topic));
      return offsets.map(({ partition, low }) => ({ partition, offset: low })).sort(byPartition);
    },
    async committedOffsets(groupId, topic) {
      validateTopicName(topic);
      const result = await read(`committedOffsets(${groupId}, ${topic})`, async (a) => {
        // OffsetFetch answers -1 for unknown topics too; ask the metadata so a typo is an error, as on embedded.
        await a.fetchTopicMetadata({ topics: [topic] });
        return a.fetchOffsets({ groupId, topics: [topic] });
      });
      const partitions = result.find((t) => t.topic === topic)?.partitions ?? [];
      return partitions
        .map(({ partition, offset }) => ({ partition, offset: Number(offset) < 0 ? null : offset }))
        .sort(byPartition);
    },
    async deleteTopics(names) {
      for (const name of names) validateTopicName(name);
      if (names.length === 0) return;
      await run('deleteTopics', async (a) => {
        try {
          await a.deleteTopics({ topics: names, timeout: settings.timeoutMs });
        } catch (err) {
          if (classify(err) !== 'unknown_topic') throw err;
        }
      });
    },
    async partitionCounts(topics) {
      const { topics: metadata } = await read('partition metadata', (a) => a.fetchTopicMetadata({ topics }));
      return new Map(metadata.map((m) => [m.name, m.partitions.length]));
    },
    async disconnect() {
      const pending = connected;
      connected = undefined;
      const client = await pending?.catch(() => undefined);
      await client?.disconnect().catch(() => {});
    },
  };
}
