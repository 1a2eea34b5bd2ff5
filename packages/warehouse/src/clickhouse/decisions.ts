import type { DecisionRecord } from '@hourglass/events';
import { sqlInStringSet } from '../sql';
import { ID_CHECK_SETTINGS } from './client-options';
import type { Connection } from './connection';

const DECISION_COLUMNS = 'decisionId, flagId, decision, note, by, atMs, coversUntilMs';

/** Decisions of the given flags, deduplicated by decisionId, grouped by flag (in stored order). */
export async function decisionsOfFlags(
  conn: Connection,
  db: string,
  op: string,
  flagIds: readonly string[],
): Promise<Map<string, DecisionRecord[]>> {
  const out = new Map<string, DecisionRecord[]>();
  if (flagIds.length === 0) return out;
  const rows = await conn.rows<Record<string, unknown>>(
    op,
    `SELECT ${DECISION_COLUMNS} FROM ${db}.decisions WHERE ${sqlInStringSet('flagId', [...flagIds])}`,
    // One learner's reads ask for every flag of their withheld segments: ~10.5k ids (25 bytes each)
    // already pass the default max_query_size (256 KiB), and the query failed on ClickHouse only.
    ID_CHECK_SETTINGS,
  );
  const seen = new Set<string>();
  for (const r of rows) {
    const d: DecisionRecord = {
      decisionId: String(r.decisionId),
      flagId: String(r.flagId),
      decision: String(r.decision) as DecisionRecord['decision'],
      note: String(r.note),
      by: String(r.by),
      atMs: Number(r.atMs),
      coversUntilMs: Number(r.coversUntilMs),
    };
    if (seen.has(d.decisionId)) continue;
    seen.add(d.decisionId);
    const list = out.get(d.flagId) ?? [];
    list.push(d);
    out.set(d.flagId, list);
  }
  return out;
}
