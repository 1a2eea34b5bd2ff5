import type { Evidence, FlagUpdate, Segment, SessionRecord } from '@hourglass/events';
import { WITHHOLD_KINDS } from '@hourglass/events';
import {
  cmp,
  compareDecisions,
  effectiveStatus,
  encodeCursor,
  flagView,
  normalizeListFlags,
} from '../semantics';
import { sqlInStringSet, sqlInStrings, sqlNumber, sqlString } from '../sql';
import type { FlagView, ListFlagsQuery, SegmentView, SessionTimeline } from '../types';
import { checkId, checkPlatform } from '../validate';
import type { Connection } from './connection';
import { dayText } from './day-text';
import { decisionsOfFlags } from './decisions';
import { decisionArraysSql, governingCodeSql } from './effective-sql';

type Raw = Record<string, unknown>;

const num = (v: unknown): number => Number(v);
const str = (v: unknown): string => String(v);

function toFlag(r: Raw): FlagUpdate {
  return {
    flagId: str(r.flagId),
    kind: str(r.kind) as FlagUpdate['kind'],
    learnerId: str(r.learnerId),
    platformId: str(r.platformId),
    sessionId: str(r.sessionId),
    firstAtMs: num(r.firstAtMs),
    lastAtMs: num(r.lastAtMs),
    occurrences: num(r.occurrences),
    withheldMs: num(r.withheldMs),
    evidence: JSON.parse(str(r.evidence)) as Evidence[],
    version: num(r.version),
  };
}

function toSession(r: Raw): SessionRecord {
  return {
    platformId: str(r.platformId),
    sessionId: str(r.sessionId),
    learnerId: str(r.learnerId),
    courseId: str(r.courseId),
    deviceId: str(r.deviceId),
    occupation: str(r.occupation),
    region: str(r.region),
    learnerGroup: str(r.learnerGroup) as SessionRecord['learnerGroup'],
    startMs: num(r.startMs),
    endMs: r.endMs === null ? null : num(r.endMs),
    version: num(r.version),
  };
}

function toSegment(r: Raw): Segment {
  return {
    segmentId: str(r.segmentId),
    learnerId: str(r.learnerId),
    platformId: str(r.platformId),
    sessionId: str(r.sessionId),
    courseId: str(r.courseId),
    deviceId: str(r.deviceId),
    occupation: str(r.occupation),
    region: str(r.region),
    learnerGroup: str(r.learnerGroup) as Segment['learnerGroup'],
    startMs: num(r.startMs),
    endMs: num(r.endMs),
    status: str(r.status) as Segment['status'],
    kinds: r.kinds as Segment['kinds'],
    flagIds: r.flagIds as string[],
    eventId: str(r.eventId),
  };
}

/** Highest version per key; on a tie the first row read (same version ⇒ same content by contract). */
function latest<T extends { version: number }>(rows: T[], keyOf: (r: T) => string): Map<string, T> {
  const out = new Map<string, T>();
  for (const r of rows) {
    const prev = out.get(keyOf(r));
    if (prev === undefined || r.version > prev.version) out.set(keyOf(r), r);
  }
  return out;
}

const FLAG_COLUMNS =
  'flagId, kind, learnerId, platformId, sessionId, firstAtMs, lastAtMs, occurrences, withheldMs, evidence, version';
const SEGMENT_COLUMNS =
  'segmentId, day, learnerId, platformId, sessionId, courseId, deviceId, occupation, region, learnerGroup, startMs, endMs, status, kinds, flagIds, eventId';

/** The code of the decision governing the flag's latest withheld time (semantics.ts flagStatus). */
const GOVERNING_LAST = governingCodeSql('fLast');
/** semantics.ts reviewAtMs: the latest occurrence for kinds that withhold time, else 0. */
const REVIEW_AT = `argMax(lastAtMs, version) * (any(kind) IN (${WITHHOLD_KINDS.map(sqlString).join(', ')}))`;
const STATUS_SQL = {
  open: '(length(codes) = 0 OR fLast > decidedUntil)',
  approved: `(length(codes) > 0 AND fLast <= decidedUntil AND ${GOVERNING_LAST} = 0)`,
  rejected: `(length(codes) > 0 AND fLast <= decidedUntil AND ${GOVERNING_LAST} = 2)`,
} as const;

/** Supervisor reads: flag listing, one flag, one session's timeline. Views are built by semantics.ts. */
export function createReview(opts: { conn: Connection; db: string }) {
  const { conn, db } = opts;

  const decisionsFor = (op: string, flagIds: string[]) => decisionsOfFlags(conn, db, op, flagIds);

  /** Views of the given flags (latest version each), in the order of `flagIds`; unknown ids skipped. */
  const views = async (op: string, flagIds: string[]): Promise<FlagView[]> => {
    if (flagIds.length === 0) return [];
    const [rows, decisions] = await Promise.all([
      conn.rows<Raw>(
        op,
        `SELECT ${FLAG_COLUMNS} FROM ${db}.flags WHERE ${sqlInStringSet('flagId', flagIds)}`,
      ),
      decisionsFor(op, flagIds),
    ]);
    const flags = latest(rows.map(toFlag), (f) => f.flagId);
    const out: FlagView[] = [];
    for (const id of flagIds) {
      const f = flags.get(id);
      if (f !== undefined) out.push(flagView(f, decisions.get(id) ?? []));
    }
    return out;
  };

  return {
    async listFlags(q: ListFlagsQuery): Promise<{ flags: FlagView[]; nextCursor: string | null }> {
      const l = normalizeListFlags(q);
      const where: string[] = ['1'];
      if (l.scope !== '*') where.push(sqlInStrings('platformId', l.scope));
      if (l.kind !== undefined) where.push(`kind = ${sqlString(l.kind)}`);
      if (l.platformId !== undefined) where.push(`platformId = ${sqlString(l.platformId)}`);
      // A flag's learner is its latest version's (a session id reused for another learner leaves rows of
      // both): every version of the flags that ever named the learner is grouped, then the latest must name it.
      if (l.learnerId !== undefined)
        where.push(`flagId IN (SELECT flagId FROM ${db}.flags WHERE learnerId = ${sqlString(l.learnerId)})`);
      const after: string[] = ['1'];
      if (l.learnerId !== undefined) after.push(`fLearner = ${sqlString(l.learnerId)}`);
      if (l.status !== undefined) after.push(STATUS_SQL[l.status]);
      if (l.after !== undefined) {
        const at = sqlNumber(l.after.firstAtMs);
        after.push(`(fFirst < ${at} OR (fFirst = ${at} AND flagId < ${sqlString(l.after.flagId)}))`);
      }
      const flagsWhere = where.join(' AND ');
      // Page keys only; full rows and decisions of the page are read by id afterwards.
      const sql = `SELECT flagId, fFirst FROM (
          SELECT flagId, argMax(firstAtMs, version) AS fFirst, ${REVIEW_AT} AS fLast,
            argMax(learnerId, version) AS fLearner
          FROM ${db}.flags WHERE ${flagsWhere} GROUP BY flagId
        ) AS f ANY LEFT JOIN (
          ${decisionArraysSql(db, [`flagId IN (SELECT flagId FROM ${db}.flags WHERE ${flagsWhere})`])}
        ) AS d USING flagId
        WHERE ${after.join(' AND ')}
        ORDER BY fFirst DESC, flagId DESC
        LIMIT ${sqlNumber(l.limit + 1)}`;
      const keys = await conn.rows<{ flagId: string; fFirst: string }>('listFlags', sql);
      const page = keys.slice(0, l.limit);
      const flags = await views(
        'listFlags',
        page.map((k) => k.flagId),
      );
      const last = page[page.length - 1];
      const nextCursor =
        keys.length > l.limit && last !== undefined ? encodeCursor(Number(last.fFirst), last.flagId) : null;
      return { flags, nextCursor };
    },

    async getFlag(flagId: string): Promise<FlagView | null> {
      checkId('flagId', flagId);
      return (await views('getFlag', [flagId]))[0] ?? null;
    },

    async getSession(platformId: string, sessionId: string): Promise<SessionTimeline | null> {
      checkPlatform('platformId', platformId);
      checkId('sessionId', sessionId);
      const here = `platformId = ${sqlString(platformId)} AND sessionId = ${sqlString(sessionId)}`;
      const [sessionRows, flagRows] = await Promise.all([
        conn.rows<Raw>(
          'getSession',
          `SELECT platformId, sessionId, learnerId, courseId, deviceId, occupation, region, learnerGroup, startMs, endMs, version
           FROM ${db}.sessions WHERE ${here}`,
        ),
        conn.rows<{ flagId: string }>('getSession', `SELECT DISTINCT flagId FROM ${db}.flags WHERE ${here}`),
      ]);
      const session = latest(sessionRows.map(toSession), () => '').get('') ?? null;
      // A session belongs to one learner: the learner of its latest record. Naming it lets the segment
      // read use the table's sort key. A platform that reused the id for another learner leaves records
      // of both, which merges reduce to the latest: both adapters show that learner's segments only.
      const learner = session === null ? '' : ` AND learnerId = ${sqlString(session.learnerId)}`;
      const segRows = await conn.rows<Raw>(
        'getSession',
        `SELECT ${SEGMENT_COLUMNS} FROM ${db}.segments WHERE ${here}${learner}`,
      );
      const segments = new Map<string, { segment: Segment; day: string }>();
      for (const r of segRows) {
        const segment = toSegment(r);
        if (!segments.has(segment.segmentId))
          segments.set(segment.segmentId, { segment, day: dayText(r.day) });
      }
      const flagIds = [...new Set(flagRows.map((f) => f.flagId))].sort(cmp);
      const segmentFlagIds = [...new Set([...segments.values()].flatMap((s) => s.segment.flagIds))];
      const [flagViews, decisions] = await Promise.all([
        views('getSession', flagIds),
        decisionsFor('getSession', segmentFlagIds),
      ]);
      const sorted = (id: string) => [...(decisions.get(id) ?? [])].sort(compareDecisions);
      const segmentViews: SegmentView[] = [...segments.values()]
        .map(({ segment, day }) => ({ ...segment, day, effective: effectiveStatus(segment, sorted) }))
        .sort((a, b) => a.startMs - b.startMs || cmp(a.segmentId, b.segmentId));
      flagViews.sort((a, b) => a.firstAtMs - b.firstAtMs || cmp(a.flagId, b.flagId));
      if (session === null && segmentViews.length === 0 && flagViews.length === 0) return null;
      return { session, segments: segmentViews, flags: flagViews };
    },
  };
}
