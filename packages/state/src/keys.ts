/**
 * Redis key layout. Every id sits inside a `{…}` hash tag so each learner's, device's and partition's keys
 * are addressable on Redis Cluster slot by slot; the commit script still spans slots (see scripts.ts).
 */
export interface KeyLayout {
  learner(learnerId: string): string;
  device(deviceId: string): string;
  partitionEpoch(partition: string): string;
  partitionWatermark(partition: string): string;
  partitionOutbox(partition: string): string;
  partitionCounted(partition: string): string;
  partitionStretch(partition: string): string;
}

export function keyLayout(prefix: string): KeyLayout {
  return {
    learner: (learnerId) => `${prefix}l:{${learnerId}}`,
    device: (deviceId) => `${prefix}d:{${deviceId}}`,
    partitionEpoch: (partition) => `${prefix}p:{${partition}}:epoch`,
    partitionWatermark: (partition) => `${prefix}p:{${partition}}:watermark`,
    partitionOutbox: (partition) => `${prefix}p:{${partition}}:outbox`,
    partitionCounted: (partition) => `${prefix}p:{${partition}}:counted`,
    partitionStretch: (partition) => `${prefix}p:{${partition}}:stretch`,
  };
}

/** The keys of a partition's claim, in the order the claim, commit and clear-outbox scripts take them. */
export function partitionKeys(keys: KeyLayout, partition: string): string[] {
  return [
    keys.partitionEpoch(partition),
    keys.partitionWatermark(partition),
    keys.partitionOutbox(partition),
  ];
}

/** Sorted-set member of one device start; the time is in the member so two starts of a learner are two entries. */
export function deviceMember(learnerId: string, timeMs: number): string {
  return `${learnerId}|${timeMs}`;
}

/** Learner id of a member written by deviceMember (ids may contain '|', the time never does). */
export function learnerOfMember(member: string): string {
  const bar = member.lastIndexOf('|');
  return bar < 0 ? member : member.slice(0, bar);
}
