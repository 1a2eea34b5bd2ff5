/** Gaps longer than this split a batch's start times into separate windows. */
const GAP_MS = 10 * 60_000;
/** At most this many windows (the largest gaps are cut first); keeps the OR-list short. */
const MAX_WINDOWS = 24;

/**
 * Covers `starts` with a few closed [from, to] intervals, cutting at the largest gaps. A batch in
 * time order is one window; a replay mixing old and new data gets one window per cluster, so the
 * duplicate check never reads the whole day between them.
 */
export function timeWindows(starts: ArrayLike<number>): [number, number][] {
  // A typed array sorts numerically and ~10× faster than Array.prototype.sort with a comparator.
  const sorted = Float64Array.from(starts).sort();
  const first = sorted[0];
  if (first === undefined) return [];
  const gaps: { at: number; size: number }[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const size = (sorted[i] as number) - (sorted[i - 1] as number);
    if (size > GAP_MS) gaps.push({ at: i, size });
  }
  const cuts = gaps
    .sort((a, b) => b.size - a.size)
    .slice(0, MAX_WINDOWS - 1)
    .map((g) => g.at)
    .sort((a, b) => a - b);
  const windows: [number, number][] = [];
  let start = 0;
  for (const cut of [...cuts, sorted.length]) {
    windows.push([sorted[start] as number, sorted[cut - 1] as number]);
    start = cut;
  }
  return windows;
}
