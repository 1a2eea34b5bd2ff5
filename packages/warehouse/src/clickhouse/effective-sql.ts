/**
 * SQL that computes the effective status of segments exactly as semantics.ts does, in the dialect
 * ClickHouse 18.16 and current servers share.
 *
 * Verified segments need no review: their milliseconds come pre-summed in by_learner (kind 0). Only the
 * withheld subset (~10 %) is evaluated per segment, against one row per decided flag holding its
 * decisions sorted by (atMs, decisionId):
 *   covers[i], codes[i] (0 approve, 2 reject)   →   governing = first i with covers[i] ≥ endMs
 * A flag without such a decision is still open for the segment (code 1); a segment's code is the max
 * over its flags (any reject → 2, else any open → 1, else 0 = verified).
 *
 * Shaped by 18.16:
 * - A lambda must not capture a column of an enclosing subquery (the column is pruned from the
 *   subquery and the query fails with "Unknown identifier"): the segment's endMs is passed into
 *   arrayFirstIndex as a second array instead of being captured.
 * - Its analyzer re-analyses nested subqueries many times over: a query nested eight deep spent
 *   ~50 ms before reading a row. Every branch here is flat (one SELECT over a join), which keeps a
 *   one-learner query at a few milliseconds.
 * - JOIN … USING needs the key as a column of the left side: new servers resolve USING against the
 *   table, not against SELECT aliases, so the left side is a small subquery exposing `flagId`.
 *
 * Shaped by current servers (checked on 26.9 through deploy/local/clickhouse-current):
 * - Every subquery on either side of a JOIN has an alias (`joined_subquery_requires_alias`, on by
 *   default since 20.x); 18.16 accepts the aliases too.
 */

/**
 * Per decided flag: covers/codes sorted by (atMs, decisionId), and the max covers. A decision row
 * stored twice (a race past the insert check) is harmless here: identical entries sort next to each
 * other and the first one that covers a segment is the same decision.
 */
export function decisionArraysSql(db: string, where: string[] = []): string {
  const cond = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
  // The sorted array is spelled out twice rather than aliased: an alias would be one more column
  // the join copies onto every withheld row. Identical aggregates are computed once.
  const sorted =
    "arraySort(groupArray((atMs, decisionId, coversUntilMs, toUInt8(if(decision = 'reject', 2, 0)))))";
  return `SELECT flagId,
      arrayMap(t -> tupleElement(t, 3), ${sorted}) AS covers,
      arrayMap(t -> tupleElement(t, 4), ${sorted}) AS codes,
      max(coversUntilMs) AS decidedUntil
    FROM ${db}.decisions ${cond}
    GROUP BY flagId`;
}

/**
 * The code of the decision governing time up to `end` (a column beside `covers` and `codes`): the
 * first whose cover reaches it, 1 (open) when none does — semantics.ts governingCode. `end` goes in
 * as an array, not captured by the lambda (18.16, above).
 */
export function governingCodeSql(end: string): string {
  return `arrayElement(arrayPushFront(codes, toUInt8(1)), arrayFirstIndex((c, e) -> c >= e, covers, arrayResize([${end}], length(covers), ${end})) + 1)`;
}

/** The code of the governing decision of a segment, 1 (open) when none covers its end. */
const GOVERNING_CODE = governingCodeSql('endMs');

export interface EvaluateSpec {
  db: string;
  /** Segment attribute columns to carry through (never empty: callers add learnerId). */
  columns: readonly string[];
  /** Conditions on segment columns (already quoted literals). */
  where: readonly string[];
}

/**
 * Rows (columns…, v, p, r, code) whose sums are effective verified / pending / rejected
 * milliseconds: by_learner kind-0 rows (v only) plus every withheld segment matching `where`.
 * Single-flag segments (the common case) join once and need no regrouping; multi-flag ones are
 * expanded per flag and folded back per segmentId with max(code).
 */
export function effectiveRowsSql(spec: EvaluateSpec): string {
  const { db } = spec;
  const cols = spec.columns.join(', ');
  const cond = ['1', ...spec.where].join(' AND ');
  const split = (dur: string) =>
    `if(code = 0, ${dur}, 0) AS v, if(code = 1, ${dur}, 0) AS p, if(code = 2, ${dur}, 0) AS r`;
  const verified = `SELECT ${cols}, verifiedMs AS v, toInt64(0) AS p, toInt64(0) AS r, toUInt8(0) AS code
    FROM ${db}.by_learner WHERE kind = 0 AND ${cond}`;
  /** Rows (segmentId, cols…, durationMs, endMs, flagId), one per flag, folded back per segment. */
  const perFlag = (rows: string, decisions: string) =>
    `SELECT ${cols}, ${split('any(durationMs)')}, max(${GOVERNING_CODE}) AS code
    FROM (${rows}) AS f ANY LEFT JOIN (${decisions}) AS d USING flagId
    GROUP BY segmentId, ${cols}`;

  const decisions = decisionArraysSql(db);
  // multiFlag is part of the sort key: each branch reads only its own rows.
  const single = `SELECT ${cols}, ${split('durationMs')}, ${GOVERNING_CODE} AS code
    FROM (
      SELECT ${cols}, durationMs, endMs, flagIds[1] AS flagId FROM ${db}.segments
      WHERE status = 'withheld' AND multiFlag = 0 AND ${cond}
    ) AS f ANY LEFT JOIN (${decisions}) AS d USING flagId`;
  const multi = perFlag(
    `SELECT segmentId, ${cols}, durationMs, endMs, flagId FROM ${db}.segments ARRAY JOIN flagIds AS flagId
      WHERE status = 'withheld' AND multiFlag = 1 AND ${cond}`,
    decisions,
  );
  return `${verified}\n    UNION ALL\n    ${single}\n    UNION ALL\n    ${multi}`;
}
