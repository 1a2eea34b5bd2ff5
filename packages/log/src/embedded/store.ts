import { LogError } from '../errors';
import { partitionFor } from '../partition';
import type { LogRecord, OutgoingRecord } from '../types';

export interface PartitionLog {
  records: LogRecord[];
  /** Called once on the next append, then forgotten: consumers park here instead of polling. */
  waiters: Set<() => void>;
}

export interface TopicLog {
  name: string;
  partitions: PartitionLog[];
}

export interface Store {
  /** Creates the topic if missing; returns false if it already existed (its partition count is kept). */
  createTopic(name: string, partitions: number): boolean;
  deleteTopic(name: string): void;
  /** The topic, created with the default partition count when auto-creation is on; else 'unknown_topic'. */
  topic(name: string): TopicLog;
  /** Appends all records or none (every topic is checked first). */
  append(records: OutgoingRecord[]): void;
}

export function createStore(opts: { defaultPartitions: number; autoCreateTopics: boolean }): Store {
  const topics = new Map<string, TopicLog>();

  function createTopic(name: string, partitions: number): boolean {
    if (topics.has(name)) return false;
    const parts: PartitionLog[] = [];
    for (let p = 0; p < partitions; p++) parts.push({ records: [], waiters: new Set() });
    topics.set(name, { name, partitions: parts });
    return true;
  }

  function topic(name: string): TopicLog {
    let t = topics.get(name);
    if (!t && opts.autoCreateTopics) {
      createTopic(name, opts.defaultPartitions);
      t = topics.get(name);
    }
    if (!t) throw new LogError('unknown_topic', `topic ${name} does not exist (create it with ensureTopics)`);
    return t;
  }

  function append(records: OutgoingRecord[]): void {
    const resolved = records.map((r) => topic(r.topic));
    const touched = new Set<PartitionLog>();
    const now = Date.now();
    records.forEach((r, i) => {
      const t = resolved[i] as TopicLog;
      const partition = partitionFor(r.key, t.partitions.length);
      const log = t.partitions[partition] as PartitionLog;
      log.records.push({
        topic: r.topic,
        partition,
        offset: String(log.records.length),
        key: r.key,
        value: r.value,
        timestamp: now,
      });
      touched.add(log);
    });
    for (const log of touched) {
      const waiters = [...log.waiters];
      log.waiters.clear();
      for (const wake of waiters) wake();
    }
  }

  return {
    createTopic,
    deleteTopic(name) {
      const t = topics.get(name);
      if (!t) return;
      topics.delete(name);
      // Parked consumers must notice the topic is gone rather than sleep forever.
      for (const p of t.partitions) {
        for (const wake of [...p.waiters]) wake();
        p.waiters.clear();
      }
    },
    topic,
    append,
  };
}
