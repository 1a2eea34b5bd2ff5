import type {
  CertificateRecord,
  DecisionRecord,
  EventCountRecord,
  FlagUpdate,
  RejectedEvent,
  Segment,
  SessionRecord,
} from '@hourglass/events';

/** Dimensions of the hours query; each maps to one segment attribute (see GROUP_COLUMNS). */
export type GroupKey = 'day' | 'platform' | 'region' | 'occupation' | 'course' | 'learnerGroup' | 'learner';
export type FilterKey = 'platformId' | 'region' | 'occupation' | 'courseId' | 'learnerGroup' | 'learnerId';

/** Days are inclusive, YYYY-MM-DD in the programme time zone. */
export interface HoursQuery {
  fromDay: string;
  toDay: string;
  groupBy: GroupKey[];
  filters: Partial<Record<FilterKey, string>>;
  /** At most this many rows are returned, the first by the group keys (a positive integer); default all. */
  limit?: number;
}

export interface HoursRow {
  day?: string;
  platformId?: string;
  region?: string;
  occupation?: string;
  courseId?: string;
  learnerGroup?: string;
  learnerId?: string;
  verifiedMs: number;
  pendingMs: number;
  rejectedMs: number;
  /** Distinct learners with effective verified time > 0 in the row. */
  learners: number;
}

export type FlagStatus = 'open' | 'approved' | 'rejected';
export type EffectiveStatus = 'verified' | 'pending' | 'rejected';

export interface FlagView extends FlagUpdate {
  status: FlagStatus;
  /** Max coversUntilMs of the flag's decisions; null when never decided. */
  decidedUntilMs: number | null;
  /** Sorted by (atMs, decisionId). */
  decisions: DecisionRecord[];
}

export interface SegmentView extends Segment {
  day: string;
  effective: EffectiveStatus;
}

export type RejectedRow = RejectedEvent & { rowId: string };
export type EventCountRow = EventCountRecord;

export interface LearnerTotals {
  /** Sorted by (platformId, courseId). */
  rows: { platformId: string; courseId: string; verifiedMs: number; pendingMs: number; rejectedMs: number }[];
  /** Sorted by (issuedAtMs, platformId, certificateId). */
  certificates: (CertificateRecord & { verifiedMsOnCourse: number; backed: boolean })[];
}

export interface PlatformSummary {
  platformId: string;
  acceptedEvents: number;
  rejectedEvents: number;
  rejectedRate: number;
  /** Raw detector verdicts (segment status), not the review outcome. */
  verifiedMs: number;
  withheldMs: number;
  flaggedTimeShare: number;
}

export interface ProgrammeSummary {
  platformsActive: number;
  occupationsCovered: number;
  coursesCovered: number;
  learners: number;
  verifiedMs: number;
  flaggedSessionsByKind: Record<string, number>;
  certificatesIssued: number;
  certificatesBacked: number;
  /** Sorted by platformId. */
  platforms: PlatformSummary[];
}

export interface ListFlagsQuery {
  status?: FlagStatus;
  kind?: string;
  platformId?: string;
  learnerId?: string;
  /** Platforms the caller may see; '*' = all. */
  scope: string[] | '*';
  /** 1..1000 */
  limit: number;
  cursor?: string;
}

export interface SessionTimeline {
  session: SessionRecord | null;
  /** Sorted by (startMs, segmentId). */
  segments: SegmentView[];
  /** Sorted by (firstAtMs, flagId). */
  flags: FlagView[];
}

export interface WarehouseCounts {
  segments: number;
  flags: number;
  decisions: number;
  rejected: number;
}

export interface Reconciliation {
  /** segmentIds stored more than once where queries read them (0 when deduplication held). */
  duplicateSegmentIds: number;
  /** Learners whose verified+pending+rejected differs from the sum of their distinct segments. */
  mismatchedLearners: string[];
  /**
   * Per platform whose event counts all say how many segments the detector emitted (sorted by
   * platformId): that number, and the distinct segment ids stored for the platform. They differ when
   * segments were lost or stored without their count, or while the pipeline has not caught up.
   */
  segmentsByPlatform: SegmentReconciliation[];
}

export interface SegmentReconciliation {
  platformId: string;
  emitted: number;
  stored: number;
}

export interface Warehouse {
  kind: 'clickhouse' | 'embedded';
  /** Versioned, idempotent; returns the migrations this call applied. */
  migrate(): Promise<{ applied: string[] }>;
  /** Idempotent by segmentId: the first stored copy wins. */
  insertSegments(rows: Segment[]): Promise<void>;
  /** The highest version of each flag wins. */
  upsertFlags(rows: FlagUpdate[]): Promise<void>;
  /** The highest version of each session wins. */
  upsertSessions(rows: SessionRecord[]): Promise<void>;
  /** Idempotent by (platformId, certificateId). */
  insertCertificates(rows: CertificateRecord[]): Promise<void>;
  /** Idempotent by decisionId. */
  insertDecisions(rows: DecisionRecord[]): Promise<void>;
  /** Idempotent by rowId (topic/partition/offset). */
  insertRejected(rows: RejectedRow[]): Promise<void>;
  /** Idempotent by countId. */
  insertEventCounts(rows: EventCountRow[]): Promise<void>;
  queryHours(q: HoursQuery): Promise<HoursRow[]>;
  learnerTotals(learnerId: string, fromDay?: string, toDay?: string): Promise<LearnerTotals>;
  programme(): Promise<ProgrammeSummary>;
  listFlags(q: ListFlagsQuery): Promise<{ flags: FlagView[]; nextCursor: string | null }>;
  getFlag(flagId: string): Promise<FlagView | null>;
  getSession(platformId: string, sessionId: string): Promise<SessionTimeline | null>;
  counts(): Promise<WarehouseCounts>;
  /**
   * Resolves when the warehouse answers (readiness): its cost does not grow with what is stored, unlike
   * counts(), whose exact distinct counts take seconds over millions of rows.
   */
  ping(): Promise<void>;
  reconcile(): Promise<Reconciliation>;
  close(): Promise<void>;
}
