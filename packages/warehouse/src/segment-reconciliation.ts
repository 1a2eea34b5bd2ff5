import type { SegmentReconciliation } from './types';

/** What a platform's event counts say the detector emitted; `complete` is false if one did not say. */
export interface EmittedSegments {
  platformId: string;
  emitted: number;
  complete: boolean;
}

/**
 * Both adapters' last step of reconcile(): platforms whose counts all carry a segment count, each
 * with the distinct segment ids stored for it (0 if none), sorted by platformId. Platforms without
 * counts, or with a count written before segments were counted, cannot be checked and are left out.
 */
export function segmentsByPlatform(
  emitted: Iterable<EmittedSegments>,
  stored: ReadonlyMap<string, number>,
): SegmentReconciliation[] {
  const out: SegmentReconciliation[] = [];
  for (const e of emitted) {
    if (e.complete)
      out.push({ platformId: e.platformId, emitted: e.emitted, stored: stored.get(e.platformId) ?? 0 });
  }
  return out.sort((a, b) => (a.platformId < b.platformId ? -1 : a.platformId > b.platformId ? 1 : 0));
}
