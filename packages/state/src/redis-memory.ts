/**
 * Whether a Redis can keep the detector's state, read from its `INFO memory` reply: the store refuses
 * to claim on one that may evict keys, and is not ready on one that refuses writes.
 */

/** One `name:value` field of an `INFO` reply. */
function infoField(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

/**
 * Why this Redis cannot keep the detector's state, from its `INFO memory` reply; null if it can. At
 * maxmemory an evicting policy drops keys silently: learner states and device windows first under the
 * volatile-* policies (they carry a TTL, the partition keys do not), so no epoch or watermark check
 * would notice and the detector would run learners from an empty state. Only `noeviction` (writes
 * refused with OOM, retried) keeps it exact. Without maxmemory Redis never evicts, whatever the policy.
 */
export function evictionProblem(info: string): string | null {
  const maxmemory = Number(infoField(info, 'maxmemory') ?? '0');
  const policy = infoField(info, 'maxmemory_policy') ?? 'noeviction';
  if (!(maxmemory > 0) || policy === 'noeviction') return null;
  return `redis has maxmemory ${maxmemory} with maxmemory-policy ${policy}: it would evict learner states unnoticed; set maxmemory-policy noeviction`;
}

/**
 * Whether Redis is over maxmemory as its own OOM check counts (used memory less the replication and AOF
 * buffers): under noeviction it then refuses every write, so no claim or commit can go through although
 * it answers PING. Null when it is not.
 */
export function overMaxmemory(info: string): string | null {
  const maxmemory = Number(infoField(info, 'maxmemory') ?? '0');
  if (!(maxmemory > 0)) return null;
  const used =
    Number(infoField(info, 'used_memory') ?? '0') -
    Number(infoField(info, 'mem_not_counted_for_evict') ?? '0');
  return used > maxmemory
    ? `redis uses ${used} bytes, over its maxmemory ${maxmemory}: it refuses writes (OOM)`
    : null;
}
