import { sqlString } from '../sql';

/**
 * SQL that computes the effective status of segments exactly as semantics.ts does, in the dialect
 * ClickHouse 18.16 and current servers share.
 *
 * Verified segments need no review: their milliseconds come pre-summed from verified_agg. Only the
 * withheld subset (~10 %) is evaluated per segment, against one row per decided flag holding its
 * decisions sorted by (atMs, decisionId):
 *   covers[i], codes[i] (0 approve, 2 reject)   →   governing = first i with covers[i] ≥ endMs
 * A flag without such a decision is still open for the segment (code 1); a segment's code is the max
 * over its flags (any reject → 2, else any open → 1, else 0 = verified).
 *
 * 18.16 quirk: a lambda must not capture a column of an enclosing subquery (the column is pruned
 * from the subquery and the query fails with "Unknown identifier"); the segment's endMs is therefore
 * passed into arrayFirstIndex as a second array instead of being captured.
 */

/** Per decided flag: covers/codes sorted by (atMs, decisionId), their max covers, how many. */
export function decisionArraysSql(db: string, where: string[] = []): string {
  const cond = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
  return `SELECT flagId,
    arrayMap(t -> tupleElement(t, 3), ds) AS covers,
    arrayMap(t -> tupleElement(t, 4), ds) AS codes,
    decidedUntil
  FROM (
    SELECT flagId, arraySort(groupArray((dAt, decisionId, dCovers, dCode))) AS ds, max(dCovers) AS decidedUntil
    FROM (
      SELECT flagId, decisionId, any(atMs) AS dAt, any(coversUntilMs) AS dCovers,
        any(if(decision = 'reject', 2, 0)) AS dCode
      FROM ${db}.decisions ${cond}
      GROUP BY flagId, decisionId
    )
    GROUP BY flagId
  )`;
}

const GOVERNING_INDEX =
  'arrayFirstIndex((c, e) -> c >= e, covers, arrayResize([endMs], length(covers), endMs))';

export interface EvaluateSpec {
  db: string;
  /** Segment attribute columns to carry through (never empty: callers add learnerId). */
  columns: readonly string[];
  /** Conditions on segment columns (already quoted literals). */
  where: readonly string[];
  /**
   * Set when `where` selects one learner: few rows, so one generic pass (expand per flag, fold back
   * per segment) beats two specialised ones, and only that learner's decisions are loaded.
   */
  learnerId?: string;
}

/**
 * Rows (columns…, dur, code) for every withheld segment matching `where`. Single-flag segments (the
 * common case) join once and need no regrouping; multi-flag ones are expanded per flag and folded
 * back per segmentId with max(code).
 */
export function withheldCodesSql(spec: EvaluateSpec): string {
  const cols = spec.columns.join(', ');
  const cond = ['1', ...spec.where].join(' AND ');
  const decisions = decisionArraysSql(
    spec.db,
    spec.learnerId === undefined
      ? []
      : [
          `flagId IN (SELECT arrayJoin(flagIds) FROM ${spec.db}.segments WHERE status = 'withheld' AND learnerId = ${sqlString(spec.learnerId)})`,
        ],
  );
  const perFlag = (
    lengthCond: string,
  ) => `SELECT ${cols}, any(durationMs) AS dur, max(flagCode) AS code FROM (
      SELECT segmentId, ${cols}, durationMs, if(idx = 0, 1, codes[idx]) AS flagCode FROM (
        SELECT segmentId, ${cols}, durationMs, codes, ${GOVERNING_INDEX} AS idx
        FROM (
          SELECT segmentId, ${cols}, durationMs, endMs, flagId FROM ${spec.db}.segments
          ARRAY JOIN flagIds AS flagId
          WHERE status = 'withheld' AND ${lengthCond} AND ${cond}
        ) ANY LEFT JOIN (${decisions}) USING flagId
      )
    ) GROUP BY segmentId, ${cols}`;
  if (spec.learnerId !== undefined) return perFlag('1');
  const single = `SELECT ${cols}, durationMs AS dur, if(idx = 0, 1, codes[idx]) AS code FROM (
      SELECT ${cols}, durationMs, codes, ${GOVERNING_INDEX} AS idx
      FROM (
        SELECT ${cols}, durationMs, endMs, flagIds[1] AS flagId FROM ${spec.db}.segments
        WHERE status = 'withheld' AND length(flagIds) = 1 AND ${cond}
      ) ANY LEFT JOIN (${decisions}) USING flagId
    )`;
  return `${single}\n    UNION ALL\n    ${perFlag('length(flagIds) > 1')}`;
}

/**
 * Rows (columns…, v, p, r) whose sums are effective verified / pending / rejected milliseconds:
 * verified_agg rows (v only) plus every evaluated withheld segment.
 */
export function effectiveRowsSql(spec: EvaluateSpec): string {
  const cols = spec.columns.join(', ');
  const cond = ['1', ...spec.where].join(' AND ');
  return `SELECT ${cols}, verifiedMs AS v, toInt64(0) AS p, toInt64(0) AS r
    FROM ${spec.db}.verified_agg WHERE ${cond}
    UNION ALL
    SELECT ${cols}, if(code = 0, dur, 0) AS v, if(code = 1, dur, 0) AS p, if(code = 2, dur, 0) AS r
    FROM (${withheldCodesSql(spec)})`;
}
