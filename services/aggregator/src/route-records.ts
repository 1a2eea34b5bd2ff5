import type {
  CertificateRecord,
  DecisionRecord,
  EventCountRecord,
  FlagUpdate,
  RejectedEvent,
  Segment,
  SessionRecord,
  TopicName,
} from '@hourglass/events';
import { wellFormed } from '@hourglass/events';
import type { LogRecord } from '@hourglass/log';

export type AggregatedTopics = Pick<
  Record<TopicName, string>,
  'segments' | 'flags' | 'sessions' | 'certificates' | 'decisions' | 'rejected' | 'counts'
>;

export interface Rows {
  segments: Segment[];
  flags: FlagUpdate[];
  sessions: SessionRecord[];
  certificates: CertificateRecord[];
  decisions: DecisionRecord[];
  rejected: (RejectedEvent & { rowId: string })[];
  counts: EventCountRecord[];
  malformed: LogRecord[];
}

export function emptyRows(): Rows {
  return {
    segments: [],
    flags: [],
    sessions: [],
    certificates: [],
    decisions: [],
    rejected: [],
    counts: [],
    malformed: [],
  };
}

/** The rows of several batches, table by table, in batch order. */
export function mergeRows(list: readonly Rows[]): Rows {
  if (list.length === 1) return list[0] as Rows;
  const merged = emptyRows();
  for (const rows of list) {
    for (const key of Object.keys(merged) as (keyof Rows)[]) {
      const into = merged[key] as unknown[];
      for (const row of rows[key]) into.push(row);
    }
  }
  return merged;
}

/**
 * A rejected event's texts with lone surrogates as U+FFFD. What a platform sent can hold them (a "\ud800"
 * escape in its id), and records written before ingest cleaned them would otherwise be refused by the
 * warehouse and the rejected event left out of the counts. Anything not shaped like a rejected event is
 * left for the warehouse's checks to refuse.
 */
function wellFormedRejected(v: RejectedEvent): RejectedEvent {
  if (typeof v !== 'object' || v === null) return v;
  const text = <T>(s: T): T => (typeof s === 'string' ? (wellFormed(s) as T) : s);
  return {
    ...v,
    id: text(v.id),
    type: text(v.type),
    errors: Array.isArray(v.errors)
      ? v.errors.map((e) =>
          typeof e === 'object' && e !== null ? { ...e, path: text(e.path), message: text(e.message) } : e,
        )
      : v.errors,
    raw: text(v.raw),
  };
}

/** Sorts consumed records into the warehouse tables they feed. */
export function routeRecords(
  records: readonly LogRecord[],
  topics: AggregatedTopics,
  rows: Rows = emptyRows(),
): Rows {
  const byTopic = new Map<string, (value: unknown, r: LogRecord) => void>([
    [topics.segments, (v) => rows.segments.push(v as Segment)],
    [topics.flags, (v) => rows.flags.push(v as FlagUpdate)],
    [topics.sessions, (v) => rows.sessions.push(v as SessionRecord)],
    [topics.certificates, (v) => rows.certificates.push(v as CertificateRecord)],
    [topics.decisions, (v) => rows.decisions.push(v as DecisionRecord)],
    // A rejected event has no id of its own that is unique: its place in the log is.
    [
      topics.rejected,
      (v, r) =>
        rows.rejected.push({
          ...wellFormedRejected(v as RejectedEvent),
          rowId: `${r.topic}/${r.partition}/${r.offset}`,
        }),
    ],
    [topics.counts, (v) => rows.counts.push(v as EventCountRecord)],
  ]);
  for (const r of records) {
    const sink = byTopic.get(r.topic);
    let value: unknown;
    try {
      value = JSON.parse(r.value);
    } catch {
      rows.malformed.push(r);
      continue;
    }
    if (sink === undefined || typeof value !== 'object' || value === null) rows.malformed.push(r);
    else sink(value, r);
  }
  return rows;
}
