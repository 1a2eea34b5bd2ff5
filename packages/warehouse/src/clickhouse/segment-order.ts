import type { Segment } from '@hourglass/events';

/** Identifier chars are '-' (45) … 'z' (122): one digit each in base 79, 0 marking the end of an id. */
const CHAR_BASE = 79;
const CHAR_OFFSET = 44;
/** Exact integers in a double. */
const EXACT = 2 ** 53;

/**
 * The order in which `segments` stores rows: ORDER BY (status, multiFlag, day, learnerId, segmentId),
 * as a permutation of `rows` (`days[i]` is the Date number of rows[i]). Rows must be validated (ids
 * ASCII identifiers) and distinct by segmentId.
 *
 * Why the client sorts: ClickHouse (18.16 and current) checks whether an inserted block is already
 * in sort-key order and then writes it without sorting (MergeTreeDataWriterBlocksAlreadySorted).
 * Sorting 50k rows on five columns, two of them strings, was ~1.2 µs of server CPU per row, about a
 * third of the insert without the view. A wrong order would cost only that sort again, never a
 * wrong row: the server sorts whatever is not sorted.
 *
 * How, cheaply: a sort that compares rows reads their strings in random order, and at 50k rows that
 * is a cache miss per comparison (~1.7 µs per row measured). Instead one pass in array order packs
 * each row into one exact number — (status, multiFlag) code, day, the learner's rank among the
 * batch's learners, the first segmentId characters after the batch's common prefix, and the row's
 * index — and a numeric typed-array sort orders those. Only rows whose number agrees up to the index
 * (same learner, day and status, same leading id characters: rare) are then compared as strings.
 * Strings compare by UTF-16 code unit, ClickHouse's byte order for ASCII; status as its Enum8 value.
 */
export function segmentOrder(rows: readonly Segment[], days: ArrayLike<number>): Uint32Array {
  const n = rows.length;
  const first = rows[0];
  if (first === undefined) return new Uint32Array(0);
  // Learners numbered as first seen, then ranked by id; the common prefix of all segment ids.
  const firstSeen = new Map<string, number>();
  const learners: string[] = [];
  const seenAs = new Uint32Array(n);
  const code = new Uint8Array(n);
  let minDay = Number.POSITIVE_INFINITY;
  let maxDay = Number.NEGATIVE_INFINITY;
  const id0 = first.segmentId;
  let common = id0.length;
  for (let i = 0; i < n; i++) {
    const s = rows[i] as Segment;
    const learner = s.learnerId;
    let r = firstSeen.get(learner);
    if (r === undefined) {
      r = learners.length;
      firstSeen.set(learner, r);
      learners.push(learner);
    }
    seenAs[i] = r;
    code[i] = s.status === 'withheld' ? 1 + (s.flagIds.length > 1 ? 1 : 0) : 0;
    const day = days[i] as number;
    if (day < minDay) minDay = day;
    if (day > maxDay) maxDay = day;
    const id = s.segmentId;
    let k = 0;
    while (k < common && k < id.length && id.charCodeAt(k) === id0.charCodeAt(k)) k++;
    common = k;
  }
  const byId = Array.from(learners.keys()).sort((a, b) =>
    compare(learners[a] as string, learners[b] as string),
  );
  const rankOf = new Uint32Array(learners.length);
  for (let r = 0; r < byId.length; r++) rankOf[byId[r] as number] = r;

  // As many id characters as the number has room for next to the rest (3 for a 50k batch).
  const D = maxDay - minDay + 1;
  const L = learners.length;
  const head = 3 * D * L;
  let chars = 0;
  let P = 1;
  while (chars < 4 && head * P * CHAR_BASE * n < EXACT) {
    chars++;
    P *= CHAR_BASE;
  }
  if (head * P * n >= EXACT) return byComparison(rows, days);

  const key = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const id = (rows[i] as Segment).segmentId;
    let prefix = 0;
    for (let k = common; k < common + chars; k++) {
      prefix = prefix * CHAR_BASE + (k < id.length ? id.charCodeAt(k) - CHAR_OFFSET : 0);
    }
    const h =
      ((code[i] as number) * D + ((days[i] as number) - minDay)) * L +
      (rankOf[seenAs[i] as number] as number);
    key[i] = (h * P + prefix) * n + i;
  }
  key.sort();
  // key = group · n + index; `key - index` is exact where a division could round up.
  const order = new Uint32Array(n);
  const group = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const i = (key[k] as number) % n;
    order[k] = i;
    group[k] = (key[k] as number) - i;
  }
  // Runs that agree on everything but the index: order them by the whole segmentId.
  for (let k = 0; k < n - 1; ) {
    let end = k + 1;
    while (end < n && group[end] === group[k]) end++;
    if (end - k > 1) {
      const run = Array.from(order.subarray(k, end)).sort((a, b) =>
        compare((rows[a] as Segment).segmentId, (rows[b] as Segment).segmentId),
      );
      order.set(run, k);
    }
    k = end;
  }
  return order;
}

const compare = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

/** The plain sort, for batches too varied to pack into one number (not seen in practice). */
function byComparison(rows: readonly Segment[], days: ArrayLike<number>): Uint32Array {
  const code = (s: Segment) => (s.status === 'withheld' ? 1 + (s.flagIds.length > 1 ? 1 : 0) : 0);
  const order = Array.from({ length: rows.length }, (_, i) => i).sort((a, b) => {
    const x = rows[a] as Segment;
    const y = rows[b] as Segment;
    return (
      code(x) - code(y) ||
      (days[a] as number) - (days[b] as number) ||
      compare(x.learnerId, y.learnerId) ||
      compare(x.segmentId, y.segmentId)
    );
  });
  return Uint32Array.from(order);
}
