import { StateError } from './errors';
import { resolveLimits } from './options';
import type {
  DeviceStart,
  DeviceWindows,
  PartitionClaim,
  StateStore,
  StateStoreLimits,
  StateStoreStats,
} from './types';
import { checkEpoch, checkIds, checkPartition, validateCommit } from './validate';

export interface MemoryStateStoreOptions extends StateStoreLimits {
  /** Wall clock for expiry and epochs; injected so tests can move time. Default Date.now. */
  now?: () => number;
}

interface Expiring<T> {
  value: T;
  expiresAt: number;
}

interface PartitionRecord {
  epoch: number;
  watermark: string | null;
  outbox: string | null;
  countedUntil: string | null;
  countStretch: string | null;
}

/**
 * In-process state store with the Redis adapter's semantics (fencing, outbox, TTL, device windows), for
 * `hourglass start` without REDIS_URL and for tests. Every method does its whole work synchronously
 * inside one call, so a commit is trivially atomic; all input is validated before anything changes.
 */
export function createMemoryStateStore(opts: MemoryStateStoreOptions = {}): StateStore {
  const limits = resolveLimits(opts);
  const now = opts.now ?? Date.now;
  const learners = new Map<string, Expiring<string>>();
  // Per device: member key `${learnerId}|${timeMs}` (same identity as the Redis sorted-set member).
  const devices = new Map<string, Expiring<Map<string, DeviceStart>>>();
  const partitions = new Map<string, PartitionRecord>();
  const counters: StateStoreStats = { roundTrips: 0, commands: 0 };
  let closed = false;
  // Expired entries are dropped lazily on read and swept at most once per sweep interval, so memory
  // stays bounded without a timer (no background work, nothing to stop on close).
  const sweepEveryMs = Math.min(limits.learnerTtlMs, 60_000);
  let nextSweepAt = now() + sweepEveryMs;

  function enter(commands: number): void {
    if (closed) throw new StateError('closed', 'memory state store is closed');
    counters.roundTrips += 1;
    counters.commands += commands;
  }

  function sweep(t: number): void {
    if (t < nextSweepAt) return;
    nextSweepAt = t + sweepEveryMs;
    for (const [id, entry] of learners) if (entry.expiresAt <= t) learners.delete(id);
    for (const [id, entry] of devices) if (entry.expiresAt <= t) devices.delete(id);
  }

  function liveDevice(deviceId: string, t: number): Map<string, DeviceStart> | undefined {
    const entry = devices.get(deviceId);
    if (!entry) return undefined;
    if (entry.expiresAt <= t) {
      devices.delete(deviceId);
      return undefined;
    }
    return entry.value;
  }

  function sortedStarts(starts: Map<string, DeviceStart>): DeviceStart[] {
    // Same order as ZRANGE: by score, then by member.
    return [...starts.entries()]
      .sort(([ma, a], [mb, b]) => a.timeMs - b.timeMs || (ma < mb ? -1 : ma > mb ? 1 : 0))
      .map(([, s]) => ({ learnerId: s.learnerId, timeMs: s.timeMs }));
  }

  /** Names a window by its sorted starts, as the Redis adapter's version does: equal exactly when they are. */
  function windowVersion(sorted: readonly DeviceStart[]): string | null {
    return sorted.length > 0 ? JSON.stringify(sorted) : null;
  }

  function windowOf(deviceId: string, t: number): DeviceStart[] {
    const starts = liveDevice(deviceId, t);
    return starts ? sortedStarts(starts) : [];
  }

  /** Same steps as the commit script: the time cut, the thinning of each learner's starts, the cap. */
  function trim(starts: Map<string, DeviceStart>): void {
    let newest = Number.NEGATIVE_INFINITY;
    for (const s of starts.values()) if (s.timeMs > newest) newest = s.timeMs;
    const cutoff = newest - limits.deviceWindowMs;
    for (const [member, s] of starts) if (s.timeMs < cutoff) starts.delete(member);
    const ordered = [...starts.entries()].sort(
      ([ma, a], [mb, b]) => a.timeMs - b.timeMs || (ma < mb ? -1 : ma > mb ? 1 : 0),
    );
    const keptOf = new Map<string, [string, DeviceStart][]>();
    for (const entry of ordered) {
      const learner = entry[1].learnerId;
      const kept = keptOf.get(learner) ?? [];
      keptOf.set(learner, kept);
      kept.push(entry);
      while (kept.length >= 3) {
        const [, first] = kept[kept.length - 3] as [string, DeviceStart];
        const [, last] = kept[kept.length - 1] as [string, DeviceStart];
        if (last.timeMs - first.timeMs > limits.deviceThinSpanMs) break;
        const [member] = kept.splice(kept.length - 2, 1)[0] as [string, DeviceStart];
        starts.delete(member);
      }
    }
    if (starts.size > limits.deviceMaxStarts) {
      const left = ordered.filter(([member]) => starts.has(member));
      for (const [member] of left.slice(0, starts.size - limits.deviceMaxStarts)) starts.delete(member);
    }
  }

  return {
    kind: 'memory',

    async claimPartition(partition) {
      checkPartition(partition);
      enter(1);
      const record = partitions.get(partition) ?? {
        epoch: 0,
        watermark: null,
        outbox: null,
        countedUntil: null,
        countStretch: null,
      };
      // Same rule as the Redis script: seeded from the clock so epochs keep increasing after a state loss.
      record.epoch = Math.max(record.epoch + 1, Math.floor(now()));
      partitions.set(partition, record);
      const claim: PartitionClaim = {
        epoch: record.epoch,
        watermark: record.watermark,
        outbox: record.outbox,
        countedUntil: record.countedUntil,
        countStretch: record.countStretch,
      };
      return claim;
    },

    async loadLearners(learnerIds) {
      checkIds(learnerIds, 'learner ids');
      const out = new Map<string, string>();
      if (learnerIds.length === 0) return out;
      enter(1);
      const t = now();
      for (const id of learnerIds) {
        const entry = learners.get(id);
        if (!entry) continue;
        if (entry.expiresAt <= t) learners.delete(id);
        else out.set(id, entry.value);
      }
      return out;
    },

    async loadDevices(deviceIds) {
      checkIds(deviceIds, 'device ids');
      const out: DeviceWindows = { starts: new Map(), versions: new Map() };
      if (deviceIds.length === 0) return out;
      enter(deviceIds.length);
      const t = now();
      for (const id of deviceIds) {
        const window = windowOf(id, t);
        out.versions.set(id, windowVersion(window));
        if (window.length > 0) out.starts.set(id, window);
      }
      return out;
    },

    async commit(req) {
      const byDevice = validateCommit(req);
      enter(1);
      const record = partitions.get(req.partition);
      if (!record) return 'lost';
      // A stored epoch below the caller's is a claim the store lost (an AOF missing its last second):
      // the caller must claim again and rebuild, not wait as if a newer claim held the partition.
      if (record.epoch !== req.epoch) return record.epoch < req.epoch ? 'lost' : 'fenced';
      if (req.previousWatermark !== undefined && record.watermark !== req.previousWatermark) return 'lost';
      const t = now();
      for (const [deviceId, version] of req.deviceVersions) {
        if (windowVersion(windowOf(deviceId, t)) !== version) return 'conflict';
      }
      sweep(t);
      for (const [id, state] of req.learners) {
        if (state === null) learners.delete(id);
        else learners.set(id, { value: state, expiresAt: t + limits.learnerTtlMs });
      }
      for (const [deviceId, starts] of byDevice) {
        const current = liveDevice(deviceId, t) ?? new Map<string, DeviceStart>();
        for (const s of starts)
          current.set(`${s.learnerId}|${s.timeMs}`, { learnerId: s.learnerId, timeMs: s.timeMs });
        trim(current);
        devices.set(deviceId, { value: current, expiresAt: t + limits.deviceTtlMs });
      }
      record.watermark = req.watermark;
      record.outbox = typeof req.outbox === 'string' ? req.outbox : req.outbox.toString('utf8');
      if (req.countedUntil !== undefined) record.countedUntil = req.countedUntil;
      if (req.countStretch !== undefined) record.countStretch = req.countStretch;
      return 'ok';
    },

    async clearOutbox(partition, epoch, watermark) {
      checkPartition(partition);
      checkEpoch(epoch);
      enter(1);
      const record = partitions.get(partition);
      if (record && record.epoch === epoch && record.watermark === watermark) record.outbox = null;
    },

    async ping() {
      enter(1);
    },

    async close() {
      closed = true;
    },

    stats() {
      return { ...counters };
    },
  };
}
