import type { EventCountRecord } from '@hourglass/events';
import { DetectorError } from './errors';

/**
 * Event counts by log position. A partition's offsets are cut into stretches of STRETCH_OFFSETS; the
 * counts of a stretch, per platform and day of receipt, are cumulative and carry the last offset they
 * cover (`through`), under an id naming the partition and where the stretch's counting began. So the
 * numbers at a given `through` are the same however the offsets were batched, and a replay of offsets
 * whose counts were produced already (a rebuild after the state store went back) produces the same
 * records again instead of new ones: the warehouse keeps, per id, the copy that counts furthest.
 *
 * The open stretch's counts so far are stored with the partition's watermark (the state store's count
 * stretch, written by the same commit), so a replay resumes them exactly where the stored state resumes
 * the rules. Before this, counts were per batch, with ids naming the batch's
 * offsets: a replay that batched differently counted the same offsets again under other ids.
 */
export const STRETCH_OFFSETS = 10_000n;

export interface CountsSoFar {
  accepted: number;
  segments: number;
}

export interface OpenStretch {
  /**
   * Where the stretch's counting began: its first offset, unless counting began inside it (a partition
   * first counted by this scheme at that offset). Names the stretch in count ids.
   */
  readonly from: bigint;
  /** `platformId \0 day` → counts so far. */
  readonly counts: ReadonlyMap<string, CountsSoFar>;
}

export interface CountProgress {
  /** Offsets below this had their counts produced (under some id); null: not known. */
  countedUntil: bigint | null;
  /** The stretch being counted; null when none is (nothing counted yet by this scheme). */
  open: OpenStretch | null;
  /**
   * Counts are by position (the value was written by this scheme). Otherwise offsets below countedUntil
   * were counted per batch, under ids a replay cannot reproduce, and must not be counted again.
   */
  byPosition: boolean;
}

const FORMAT = 'stretch/2';

const corrupt = (why: string) =>
  new DetectorError('corrupt_state', `stored count progress of the partition is ${why}`);

const DIGITS = /^(0|[1-9][0-9]*)$/;

/**
 * The stored stretch: `stretch/2 <watermark> [<from>]`, then a line per key: `platform \t day \t accepted
 * \t segments`. It names the watermark it was written with: a detector of an earlier release commits the
 * counted offset and the watermark but not this key, and a stretch whose watermark is not the stored one
 * is stale. (It has a key of its own because that release reads the counted offset with BigInt: found in
 * an upgrade review, it stalled every partition a current detector had committed.)
 */
export function encodeCountStretch(watermark: string, open: OpenStretch | null): string {
  const head = open === null ? `${FORMAT} ${watermark}` : `${FORMAT} ${watermark} ${open.from}`;
  if (open === null) return head;
  const lines = [head];
  for (const [key, c] of open.counts)
    lines.push(`${key.replace('\u0000', '\t')}\t${c.accepted}\t${c.segments}`);
  return lines.join('\n');
}

/** What a claim returned: the counted offset, the stretch, and the stored watermark they go with. */
export function decodeCountProgress(stored: {
  countedUntil: string | null;
  countStretch: string | null;
  watermark: string | null;
}): CountProgress {
  let countedUntil: bigint | null = null;
  if (stored.countedUntil !== null) {
    if (!DIGITS.test(stored.countedUntil)) throw corrupt('a counted offset that is not one');
    countedUntil = BigInt(stored.countedUntil);
  }
  const legacy: CountProgress = { countedUntil, open: null, byPosition: false };
  if (stored.countStretch === null) return legacy;
  const [head = '', ...lines] = stored.countStretch.split('\n');
  const parts = head.split(' ');
  if (parts[0] !== FORMAT || parts.length < 2 || parts.length > 3) throw corrupt('of an unknown format');
  const [, watermark = '', from] = parts;
  if (!DIGITS.test(watermark) || (from !== undefined && !DIGITS.test(from))) throw corrupt('not offsets');
  // Written before a commit of an earlier release: that release counted per batch since.
  if (watermark !== stored.watermark) return legacy;
  if (from === undefined) {
    if (lines.length > 0) throw corrupt('counts without a stretch');
    return { countedUntil, open: null, byPosition: true };
  }
  const counts = new Map<string, CountsSoFar>();
  for (const line of lines) {
    const [platformId, day, accepted, segments, ...rest] = line.split('\t');
    if (
      rest.length > 0 ||
      !platformId ||
      !day ||
      !DIGITS.test(accepted ?? '') ||
      !DIGITS.test(segments ?? '')
    )
      throw corrupt('not counts');
    counts.set(`${platformId}\u0000${day}`, { accepted: Number(accepted), segments: Number(segments) });
  }
  return { countedUntil, open: { from: BigInt(from), counts }, byPosition: true };
}

/**
 * Counts one batch's events into stretches, starting from the stored open stretch (never written to:
 * a batch that runs again starts from it again). Events must come in offset order.
 */
export function createStretchCounter(opts: { partition: string; open: OpenStretch | null }) {
  interface Stretch {
    from: bigint;
    counts: Map<string, CountsSoFar>;
    touched: Set<string>;
    through: bigint;
  }
  const done: Stretch[] = [];
  let current: Stretch | null =
    opts.open === null
      ? null
      : {
          from: opts.open.from,
          counts: new Map([...opts.open.counts].map(([k, c]) => [k, { ...c }])),
          touched: new Set(),
          through: -1n,
        };

  /** The stretch holding `offset`, opening the next one when the offset is past the current one. */
  function stretchOf(offset: bigint): Stretch {
    const start = offset - (offset % STRETCH_OFFSETS);
    if (current !== null && current.from >= start) return current;
    if (current !== null && current.touched.size > 0) done.push(current);
    // Counting that rolls over begins at the stretch's start; counting that begins here, at the offset.
    current = {
      from: current === null ? offset : start,
      counts: new Map(),
      touched: new Set(),
      through: -1n,
    };
    return current;
  }

  function countsOf(s: Stretch, platformId: string, day: string): CountsSoFar {
    const key = `${platformId}\u0000${day}`;
    let c = s.counts.get(key);
    if (c === undefined) {
      c = { accepted: 0, segments: 0 };
      s.counts.set(key, c);
    }
    s.touched.add(key);
    return c;
  }

  return {
    /**
     * The event at `offset` of `platformId`, received on `day`, and the segments it emitted, each counted
     * on its own platform (an event can close another session's window).
     */
    event(
      offset: bigint,
      platformId: string,
      day: string,
      segments: readonly { readonly platformId: string }[],
    ): void {
      const s = stretchOf(offset);
      s.through = offset;
      const own = countsOf(s, platformId, day);
      own.accepted += 1;
      for (const segment of segments)
        (segment.platformId === platformId ? own : countsOf(s, segment.platformId, day)).segments += 1;
    },
    /** The batch's count records: for each stretch it counted in, the keys it changed, as far as it got. */
    records(): EventCountRecord[] {
      const out: EventCountRecord[] = [];
      const stretches = current !== null && current.touched.size > 0 ? [...done, current] : done;
      for (const s of stretches) {
        for (const key of s.touched) {
          const [platformId = '', day = ''] = key.split('\u0000');
          const c = s.counts.get(key) as CountsSoFar;
          out.push({
            countId: `${opts.partition}/from-${s.from}/${platformId}/${day}`,
            platformId,
            day,
            accepted: c.accepted,
            segments: c.segments,
            through: Number(s.through),
          });
        }
      }
      return out;
    },
    /** The stretch to store with the batch's watermark. */
    open(): OpenStretch | null {
      return current === null ? null : { from: current.from, counts: current.counts };
    },
  };
}
