import { deviceMember, type KeyLayout, partitionKeys } from './keys';
import type { ResolvedLimits } from './options';
import type { CommitRequest } from './types';
import { validateCommit } from './validate';

/** The commit's EVALSHA parts in COMMIT_SCRIPT's order (scripts.ts); throws on an invalid request. */
export function commitParts(
  req: CommitRequest,
  { sha, keys, limits }: { sha: string; keys: KeyLayout; limits: ResolvedLimits },
): (string | Buffer)[] {
  const byDevice = validateCommit(req);
  // Appended to one list: a batch of thousands of learners is encoded once (encodeCommand), not spread
  // into intermediate arrays.
  const parts: (string | Buffer)[] = ['EVALSHA', sha, ''];
  parts.push(...partitionKeys(keys, req.partition));
  let ops = '';
  for (const [id, state] of req.learners) {
    parts.push(keys.learner(id));
    ops += state === null ? 'D' : 'S';
  }
  for (const deviceId of byDevice.keys()) parts.push(keys.device(deviceId));
  for (const deviceId of req.deviceVersions.keys()) parts.push(keys.device(deviceId));
  parts.push(keys.partitionCounted(req.partition), keys.partitionStretch(req.partition));
  parts[2] = String(parts.length - 3); // numkeys, now that the keys are in
  parts.push(
    String(req.epoch),
    req.watermark,
    req.outbox,
    String(limits.learnerTtlMs),
    String(limits.deviceWindowMs),
    String(limits.deviceTtlMs),
    String(limits.deviceMaxStarts),
    String(req.learners.size),
    String(byDevice.size),
    ops,
    String(limits.deviceThinSpanMs),
  );
  for (const state of req.learners.values()) parts.push(state ?? '');
  for (const version of req.deviceVersions.values()) parts.push(version ?? '');
  for (const starts of byDevice.values()) {
    parts.push(String(starts.length));
    for (const s of starts) parts.push(String(s.timeMs), deviceMember(s.learnerId, s.timeMs));
  }
  parts.push(
    req.countedUntil ?? '',
    req.countStretch ?? '',
    req.previousWatermark === undefined ? '*' : (req.previousWatermark ?? ''),
  );
  return parts;
}
