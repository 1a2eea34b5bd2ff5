/** One recorded session start on a device: who started a session there, and when (event time, ms). */
export interface DeviceStart {
  learnerId: string;
  timeMs: number;
}

/**
 * The device windows a batch read. Device state is shared by every partition, so two partitions' batches
 * can run the shared-device check at once, each blind to the other's starts; the commit compares the
 * versions read with the stored ones and refuses ('conflict') when one of these windows has changed
 * since, and the batch is run again on fresh windows. Commits touching a device are thus
 * serialized, as if one process handled every session start on it.
 */
export interface DeviceWindows {
  /** Per device with starts: its starts, sorted by time. Devices with none are absent. */
  starts: Map<string, DeviceStart[]>;
  /** Per device asked for: the version of its window when read; null = no window (never written, or expired). */
  versions: Map<string, string | null>;
}

export interface PartitionClaim {
  /** Fencing token; strictly increasing per partition, also across a Redis restart that lost data. */
  epoch: number;
  /** Offset of the last record applied, null = never (or Redis lost it: compare with the committed offset). */
  watermark: string | null;
  /** Outputs of the last committed batch that were not confirmed produced (null = none pending). */
  outbox: string | null;
  /**
   * The offset below which the partition's event counts were produced (CommitRequest.countedUntil);
   * null if never written. After a state loss it can lie above watermark + 1: a rebuild replays those
   * offsets and must not count them again.
   */
  countedUntil: string | null;
  /**
   * The detector's open stretch of event counts (CommitRequest.countStretch; opaque to the store), null
   * if never written. A key of its own, beside `countedUntil`, so that a detector of an earlier release,
   * which reads that key as an offset, can still take a partition over.
   */
  countStretch: string | null;
}

export interface CommitRequest {
  /** e.g. "hourglass.events.v1/3" */
  partition: string;
  /** From claimPartition; the commit is refused if a newer claim exists. */
  epoch: number;
  /** Offset of the last record of the batch. */
  watermark: string;
  /** learnerId -> serialized state (null = delete). */
  learners: ReadonlyMap<string, string | null>;
  deviceStarts: ReadonlyArray<{ deviceId: string; learnerId: string; timeMs: number }>;
  /**
   * Serialized outputs of this batch: text, or its UTF-8 bytes (stored the same; claimPartition returns text).
   * Bytes spare the adapter a text encoding of the batch's largest value.
   */
  outbox: string | Buffer;
  /**
   * The versions loadDevices returned for the devices this batch read (DeviceWindows.versions). The commit
   * is refused with 'conflict', writing nothing, if any of them changed since.
   */
  deviceVersions: ReadonlyMap<string, string | null>;
  /**
   * The watermark this process believes is stored (the claim's, then each of its commits'; null for
   * none). If given, the commit is refused with 'lost', writing nothing, when the stored one differs:
   * the store went back in time under the process (Redis restarted from an AOF missing its last writes,
   * a replica promoted behind), and applying the batch to older state would credit it wrongly.
   */
  previousWatermark?: string | null;
  /** If given, stored with the watermark and returned by claims: see PartitionClaim.countedUntil. */
  countedUntil?: string;
  /** If given, stored with the watermark and returned by claims: see PartitionClaim.countStretch. */
  countStretch?: string;
}

/**
 * 'ok' written; 'fenced' a newer claim exists; 'conflict' a device window read has changed since;
 * 'lost' the store no longer holds what this claim wrote (its epoch is gone, or its watermark is not
 * previousWatermark): claim again, which reads what the store does hold.
 */
export type CommitOutcome = 'ok' | 'fenced' | 'conflict' | 'lost';

export interface StateStoreStats {
  /** Requests that waited for the server (a pipeline or a script counts once). */
  roundTrips: number;
  /** Commands the client sent (a pipeline of N counts N; a script counts 1 whatever it does inside). */
  commands: number;
}

export interface StateStore {
  kind: 'redis' | 'memory';
  /** Bumps the partition epoch (fencing any older holder) and returns it with the partition's watermark and pending outbox. */
  claimPartition(partition: string): Promise<PartitionClaim>;
  /** Missing (or expired) ids are absent from the result. */
  loadLearners(learnerIds: readonly string[]): Promise<Map<string, string>>;
  /** Device windows: per device, the (learner, session start time) pairs recorded within the last ~8 days (DEFAULT_DEVICE_WINDOW_MS) of the newest start on that device, and the window's version. */
  loadDevices(deviceIds: readonly string[]): Promise<DeviceWindows>;
  /**
   * Atomic: all or nothing. Writes nothing and returns 'fenced' if epoch is not the partition's current
   * epoch, else 'conflict' if a device window in deviceVersions has changed since it was read.
   */
  commit(req: CommitRequest): Promise<CommitOutcome>;
  /** Deletes the pending outbox, only if the epoch is current and the stored outbox is still that watermark's. */
  clearOutbox(partition: string, epoch: number, watermark: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Cumulative counters since creation, for benchmarks and metrics. */
  stats(): StateStoreStats;
}

export interface StateStoreLimits {
  /** Learner state expires this long after its last write. Default 22 days (DEFAULT_LEARNER_TTL_SEC). */
  learnerTtlSec?: number;
  /** Device starts older than (newest start on the device − window) are dropped. Default 8 d + 30 s (options.ts). */
  deviceWindowMs?: number;
  /** At most this many starts are kept per device (newest win), so one abused device stays O(1). Default 1000. */
  deviceMaxStarts?: number;
}
