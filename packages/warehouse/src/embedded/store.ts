import {
  type CertificateRecord,
  countSupersedes,
  createDayOf,
  type DecisionRecord,
  type FlagUpdate,
  type Segment,
  type SessionRecord,
} from '@hourglass/events';
import { compareDecisions, effectiveStatus } from '../semantics';
import type { EffectiveStatus, EventCountRow, RejectedRow } from '../types';
import {
  checkCertificate,
  checkDecision,
  checkEventCount,
  checkFlag,
  checkRejected,
  checkRows,
  checkSegments,
  checkSession,
} from '../validate';

export interface StoredSegment {
  segment: Segment;
  day: string;
  durationMs: number;
}

const NO_DECISIONS: readonly DecisionRecord[] = [];

/** Rows are copied in and out so that callers can never mutate what is stored. */
function copy<T>(value: T): T {
  return structuredClone(value);
}

const key = (a: string, b: string): string => `${a}\u0000${b}`;

/**
 * The in-memory tables of the embedded warehouse and their write rules (the reference for what the
 * ClickHouse schema must reproduce): first copy wins for id-keyed rows, highest version wins for
 * flags and sessions (ties keep the first), and a batch is validated completely before any row of
 * it is stored.
 */
export function createEmbeddedStore(options: { timeZone: string }) {
  const { timeZone } = options;
  const dayOf = createDayOf(timeZone);
  const segments = new Map<string, StoredSegment>();
  const flags = new Map<string, FlagUpdate>();
  const sessions = new Map<string, SessionRecord>();
  const certificates = new Map<string, CertificateRecord>();
  const decisions = new Map<string, DecisionRecord>();
  const decisionsByFlag = new Map<string, DecisionRecord[]>();
  const rejected = new Map<string, RejectedRow>();
  const eventCounts = new Map<string, EventCountRow>();

  const decisionsOf = (flagId: string): readonly DecisionRecord[] =>
    decisionsByFlag.get(flagId) ?? NO_DECISIONS;

  return {
    segments,
    flags,
    sessions,
    certificates,
    decisions,
    rejected,
    eventCounts,
    decisionsOf,
    effectiveOf(s: Segment): EffectiveStatus {
      return effectiveStatus(s, decisionsOf);
    },

    insertSegments(rows: Segment[]): void {
      checkSegments(rows);
      for (const row of rows) {
        if (segments.has(row.segmentId)) continue;
        const segment = copy(row);
        segments.set(row.segmentId, {
          segment,
          day: dayOf(row.startMs),
          durationMs: row.endMs - row.startMs,
        });
      }
    },
    upsertFlags(rows: FlagUpdate[]): void {
      checkRows('flags', rows, checkFlag);
      for (const row of rows) {
        const prev = flags.get(row.flagId);
        if (prev === undefined || row.version > prev.version) flags.set(row.flagId, copy(row));
      }
    },
    upsertSessions(rows: SessionRecord[]): void {
      checkRows('sessions', rows, checkSession);
      for (const row of rows) {
        const k = key(row.platformId, row.sessionId);
        const prev = sessions.get(k);
        if (prev === undefined || row.version > prev.version) sessions.set(k, copy(row));
      }
    },
    insertCertificates(rows: CertificateRecord[]): void {
      checkRows('certificates', rows, checkCertificate);
      for (const row of rows) {
        const k = key(row.platformId, row.certificateId);
        if (!certificates.has(k)) certificates.set(k, copy(row));
      }
    },
    insertDecisions(rows: DecisionRecord[]): void {
      checkRows('decisions', rows, checkDecision);
      for (const row of rows) {
        if (decisions.has(row.decisionId)) continue;
        const d = copy(row);
        decisions.set(row.decisionId, d);
        const list = decisionsByFlag.get(row.flagId) ?? [];
        list.push(d);
        list.sort(compareDecisions);
        decisionsByFlag.set(row.flagId, list);
      }
    },
    insertRejected(rows: RejectedRow[]): void {
      checkRows('rejected', rows, checkRejected);
      for (const row of rows) if (!rejected.has(row.rowId)) rejected.set(row.rowId, copy(row));
    },
    insertEventCounts(rows: EventCountRow[]): void {
      checkRows('counts', rows, checkEventCount);
      for (const row of rows)
        if (countSupersedes(row, eventCounts.get(row.countId))) eventCounts.set(row.countId, copy(row));
    },
    pairKey: key,
  };
}

export type EmbeddedStore = ReturnType<typeof createEmbeddedStore>;
