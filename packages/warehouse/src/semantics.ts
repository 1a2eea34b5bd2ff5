import type { DecisionRecord, FlagUpdate, Segment } from '@hourglass/events';
import { FLAG_KINDS, WITHHOLD_KINDS } from '@hourglass/events';
import { invalid } from './errors';
import type {
  EffectiveStatus,
  FilterKey,
  FlagStatus,
  FlagView,
  GroupKey,
  HoursQuery,
  HoursRow,
  ListFlagsQuery,
} from './types';
import { checkDay, checkGroup, checkId, checkOccupation, checkPlatform, checkRegion } from './validate';

/**
 * The reference semantics shared by both adapters (README "Semantics"). The embedded adapter is built
 * from these functions; the ClickHouse adapter computes the same in SQL for bulk queries and calls
 * them directly wherever it assembles views (flags, session timelines), so the two cannot drift.
 */

/** Group keys in canonical order, with the segment attribute each one is. */
export const GROUP_COLUMNS = [
  ['day', 'day'],
  ['platform', 'platformId'],
  ['region', 'region'],
  ['occupation', 'occupation'],
  ['course', 'courseId'],
  ['learnerGroup', 'learnerGroup'],
  ['learner', 'learnerId'],
] as const satisfies readonly (readonly [GroupKey, keyof HoursRow])[];

export type GroupColumn = (typeof GROUP_COLUMNS)[number][1];

const FILTER_CHECKS: Record<FilterKey, (what: string, v: unknown) => string> = {
  platformId: checkPlatform,
  region: checkRegion,
  occupation: checkOccupation,
  courseId: checkId,
  learnerGroup: checkGroup,
  learnerId: checkId,
};

export interface NormalizedHoursQuery {
  fromDay: string;
  toDay: string;
  /** Attribute columns to group by, canonical order, no duplicates. */
  columns: GroupColumn[];
  /** Attribute column → required value. */
  filters: [FilterKey, string][];
  /** Rows returned at most; null = all. */
  limit: number | null;
}

export function normalizeHoursQuery(q: HoursQuery): NormalizedHoursQuery {
  if (typeof q !== 'object' || q === null) throw invalid('hours query: not an object');
  const fromDay = checkDay('fromDay', q.fromDay);
  const toDay = checkDay('toDay', q.toDay);
  if (fromDay > toDay) throw invalid(`fromDay ${fromDay} is after toDay ${toDay}`);
  if (!Array.isArray(q.groupBy)) throw invalid('groupBy: not an array');
  const known = new Set<string>(GROUP_COLUMNS.map(([k]) => k));
  for (const key of q.groupBy)
    if (!known.has(key)) throw invalid(`groupBy: unknown key ${JSON.stringify(key)}`);
  const wanted = new Set<string>(q.groupBy);
  const columns = GROUP_COLUMNS.filter(([k]) => wanted.has(k)).map(([, c]) => c);
  if (typeof q.filters !== 'object' || q.filters === null) throw invalid('filters: not an object');
  const filters: [FilterKey, string][] = [];
  for (const [key, value] of Object.entries(q.filters)) {
    if (value === undefined) continue;
    const check = FILTER_CHECKS[key as FilterKey];
    if (!Object.hasOwn(FILTER_CHECKS, key) || check === undefined) {
      throw invalid(`filters: unknown key ${JSON.stringify(key)}`);
    }
    filters.push([key as FilterKey, check(`filters.${key}`, value)]);
  }
  const limit = q.limit ?? null;
  if (limit !== null && !(Number.isSafeInteger(limit) && limit > 0))
    throw invalid(`limit: not a positive integer: ${JSON.stringify(limit)}`);
  return { fromDay, toDay, columns, filters, limit };
}

/** Byte order of ASCII strings (what ClickHouse ORDER BY does); all compared values are validated ASCII. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareDecisions(a: DecisionRecord, b: DecisionRecord): number {
  return a.atMs - b.atMs || cmp(a.decisionId, b.decisionId);
}

/** Review state of one flag for one segment: 0 approved, 1 still open, 2 rejected (max wins). */
export type Code = 0 | 1 | 2;

/**
 * The decision governing a segment on one flag is the FIRST (by atMs, decisionId) whose
 * coversUntilMs reaches the segment's end: a later decision never overrides an earlier one for the
 * part it covered. `sorted` must be ordered by compareDecisions.
 */
export function governingCode(sorted: readonly DecisionRecord[], endMs: number): Code {
  for (const d of sorted) if (d.coversUntilMs >= endMs) return d.decision === 'reject' ? 2 : 0;
  return 1;
}

export function effectiveStatus(
  segment: Pick<Segment, 'status' | 'flagIds' | 'endMs'>,
  decisionsOf: (flagId: string) => readonly DecisionRecord[],
): EffectiveStatus {
  if (segment.status === 'verified') return 'verified';
  let code: Code = 0;
  for (const flagId of segment.flagIds) {
    const c = governingCode(decisionsOf(flagId), segment.endMs);
    if (c > code) code = c;
  }
  return code === 0 ? 'verified' : code === 1 ? 'pending' : 'rejected';
}

/**
 * A flag is open while it has withheld time past everything decided; otherwise it shows the verdict
 * that governs its latest withheld time, by the same rule as the hours (governingCode). One API
 * process decides a flag only while it is open, so that is its latest decision; two API processes
 * deciding at once can both record one covering the same time, and then the flag shows the one its
 * hours count. `sorted` must be ordered by compareDecisions.
 */
export function flagStatus(
  reviewAtMs: number,
  sorted: readonly DecisionRecord[],
): { status: FlagStatus; decidedUntilMs: number | null } {
  if (sorted.length === 0) return { status: 'open', decidedUntilMs: null };
  let until = Number.NEGATIVE_INFINITY;
  for (const d of sorted) if (d.coversUntilMs > until) until = d.coversUntilMs;
  const code = governingCode(sorted, reviewAtMs);
  const status: FlagStatus = code === 1 ? 'open' : code === 2 ? 'rejected' : 'approved';
  return { status, decidedUntilMs: until };
}

const WITHHOLDING: ReadonlySet<string> = new Set(WITHHOLD_KINDS);

/**
 * The time a flag's decisions must reach for it to stay decided. SPEC §4: "New withheld time on a decided
 * flag reopens it". For a kind that withholds time that is its latest occurrence (each one withholds,
 * and lies past what was decided: a rules property). A kind that withholds nothing (`seek_ahead`, quiz
 * flags, `replayed_event`, …) never has new withheld time, so later occurrences add evidence and count
 * but leave the verdict standing; 0 lies before every decision's cover (all ≥ 1970-01-02).
 */
export function reviewAtMs(flag: Pick<FlagUpdate, 'kind' | 'lastAtMs'>): number {
  return WITHHOLDING.has(flag.kind) ? flag.lastAtMs : 0;
}

export function flagView(flag: FlagUpdate, decisions: readonly DecisionRecord[]): FlagView {
  const sorted = [...decisions].sort(compareDecisions);
  return { ...flag, ...flagStatus(reviewAtMs(flag), sorted), decisions: sorted };
}

/** Listing order: newest first (firstAtMs DESC, flagId DESC). */
export function compareFlagsDesc(a: FlagUpdate, b: FlagUpdate): number {
  return b.firstAtMs - a.firstAtMs || cmp(b.flagId, a.flagId);
}

export function encodeCursor(firstAtMs: number, flagId: string): string {
  return Buffer.from(JSON.stringify([firstAtMs, flagId]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { firstAtMs: number; flagId: string } {
  const bad = () => invalid('cursor: not a cursor of this listing');
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw bad();
  const [firstAtMs, flagId] = parsed as [unknown, unknown];
  if (typeof firstAtMs !== 'number' || !Number.isSafeInteger(firstAtMs)) throw bad();
  if (typeof flagId !== 'string') throw bad();
  return { firstAtMs, flagId: checkId('cursor.flagId', flagId) };
}

export interface NormalizedListFlags {
  status: FlagStatus | undefined;
  kind: string | undefined;
  platformId: string | undefined;
  learnerId: string | undefined;
  scope: string[] | '*';
  limit: number;
  after: { firstAtMs: number; flagId: string } | undefined;
}

const FLAG_KIND_SET = new Set<string>(FLAG_KINDS);

export function normalizeListFlags(q: ListFlagsQuery): NormalizedListFlags {
  if (typeof q !== 'object' || q === null) throw invalid('flags query: not an object');
  const { status, kind, platformId, learnerId, scope, limit, cursor } = q;
  if (status !== undefined && status !== 'open' && status !== 'approved' && status !== 'rejected') {
    throw invalid(`status: unknown ${JSON.stringify(status)}`);
  }
  if (kind !== undefined && !FLAG_KIND_SET.has(kind)) throw invalid(`kind: unknown ${JSON.stringify(kind)}`);
  if (platformId !== undefined) checkPlatform('platformId', platformId);
  if (learnerId !== undefined) checkId('learnerId', learnerId);
  if (scope !== '*') {
    if (!Array.isArray(scope)) throw invalid('scope: must be "*" or a list of platform ids');
    for (const p of scope) checkPlatform('scope[]', p);
  }
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw invalid(`limit: must be an integer 1..1000, got ${limit}`);
  }
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  return {
    status,
    kind,
    platformId,
    learnerId,
    scope: scope === '*' ? '*' : [...new Set(scope)],
    limit,
    after,
  };
}

export function checkOptionalRange(fromDay: string | undefined, toDay: string | undefined): void {
  if (fromDay !== undefined) checkDay('fromDay', fromDay);
  if (toDay !== undefined) checkDay('toDay', toDay);
  if (fromDay !== undefined && toDay !== undefined && fromDay > toDay) {
    throw invalid(`fromDay ${fromDay} is after toDay ${toDay}`);
  }
}

export const HOUR_MS = 3_600_000;

/**
 * A certificate is backed once verified time on its course reaches its claim. Compared in hours, the
 * number the API shows: in milliseconds, 1.1 × 3600000 is 3960000.0000000005, so 66 minutes would not
 * reach 1.1 h. Whole milliseconds are far apart in doubles, so the quotient is exact where it matters.
 */
export function isBacked(verifiedMsOnCourse: number, requiredHours: number): boolean {
  return verifiedMsOnCourse / HOUR_MS >= requiredHours;
}

export function rejectedRate(accepted: number, rejected: number): number {
  const total = accepted + rejected;
  return total === 0 ? 0 : rejected / total;
}

export function share(part: number, rest: number): number {
  const total = part + rest;
  return total === 0 ? 0 : part / total;
}
