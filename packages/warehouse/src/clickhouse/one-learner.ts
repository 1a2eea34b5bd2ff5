import { compareDecisions, effectiveStatus } from '../semantics';
import { HOT_QUERY_SETTINGS } from './client-options';
import type { Connection } from './connection';
import { dayText } from './day-text';
import { decisionsOfFlags } from './decisions';

/** Milliseconds of one group of a learner's segments, split by effective status. */
export interface LearnerPart {
  keys: Record<string, string>;
  v: number;
  p: number;
  r: number;
}

/**
 * One learner's segments matching `where`, as parts keyed by `columns` (by_learner columns), with
 * effective verified / pending / rejected milliseconds. The review is evaluated here with
 * semantics.ts, the embedded adapter's own functions, instead of in SQL: one learner has few
 * withheld segments and few decisions, and on 18.16 the SQL evaluation (a join against decision
 * arrays, analysed subquery by subquery) cost ~30 ms of server CPU per learner where these three
 * flat reads cost a few.
 */
export async function learnerParts(
  conn: Connection,
  db: string,
  op: string,
  columns: readonly string[],
  where: readonly string[],
): Promise<LearnerPart[]> {
  const cols = columns.join(', ');
  const cond = where.join(' AND ');
  type Raw = Record<string, string | number | string[]>;
  const [verified, withheld] = await Promise.all([
    conn.rows<Raw>(
      op,
      `SELECT ${cols}, sum(verifiedMs) AS v FROM ${db}.by_learner WHERE kind = 0 AND ${cond} GROUP BY ${cols}`,
      HOT_QUERY_SETTINGS,
    ),
    // Grouped by segment: a copy that slipped past the insert check counts once, as in every query.
    conn.rows<Raw>(
      op,
      `SELECT ${cols}, any(wEndMs) AS endMs, any(wDurationMs) AS durationMs, any(wFlagIds) AS flagIds
       FROM ${db}.by_learner WHERE kind = 1 AND ${cond} GROUP BY ${cols}, wSegmentId`,
      HOT_QUERY_SETTINGS,
    ),
  ]);
  const keysOf = (r: Raw): Record<string, string> => {
    const keys: Record<string, string> = {};
    for (const c of columns) keys[c] = c === 'day' ? dayText(r[c]) : String(r[c]);
    return keys;
  };
  const flagIds = [...new Set(withheld.flatMap((r) => r.flagIds as string[]))];
  const decisions = await decisionsOfFlags(conn, db, op, flagIds);
  for (const list of decisions.values()) list.sort(compareDecisions);
  const parts: LearnerPart[] = verified.map((r) => ({ keys: keysOf(r), v: Number(r.v), p: 0, r: 0 }));
  for (const r of withheld) {
    const ms = Number(r.durationMs);
    const status = effectiveStatus(
      { status: 'withheld', flagIds: r.flagIds as string[], endMs: Number(r.endMs) },
      (f) => decisions.get(f) ?? [],
    );
    parts.push({
      keys: keysOf(r),
      v: status === 'verified' ? ms : 0,
      p: status === 'pending' ? ms : 0,
      r: status === 'rejected' ? ms : 0,
    });
  }
  return parts;
}
