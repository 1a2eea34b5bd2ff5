import { z } from 'zod';
import { LEARNER_GROUPS } from './patterns';

/**
 * Messages the pipeline exchanges on its topics (after the accepted events themselves).
 * Times inside the pipeline are epoch milliseconds; APIs render them as RFC 3339.
 */

/** Kinds that withhold time (SPEC §4). */
export const WITHHOLD_KINDS = [
  'idle',
  'presence_failed',
  'late_report',
  'concurrent_session',
  'shared_device',
] as const;
/** Kinds that only flag. */
export const SIGNAL_KINDS = [
  'replayed_event',
  'seek_ahead',
  'playback_rate',
  'quiz_too_fast',
  'quiz_outside_session',
] as const;
export const FLAG_KINDS = [...WITHHOLD_KINDS, ...SIGNAL_KINDS] as const;
export type WithholdKind = (typeof WITHHOLD_KINDS)[number];
export type FlagKind = (typeof FLAG_KINDS)[number];

const attr = z.string().min(1).max(128);

/** What a session carries into each of its segments (`unknown` where no session.start said). */
const sessionAttributes = {
  courseId: attr,
  deviceId: attr,
  occupation: attr,
  region: attr,
  learnerGroup: z.union([z.enum(LEARNER_GROUPS), z.literal('unknown')]),
};

export const segmentSchema = z.strictObject({
  segmentId: z.string(),
  learnerId: attr,
  platformId: attr,
  sessionId: attr,
  ...sessionAttributes,
  startMs: z.int(),
  endMs: z.int(),
  status: z.enum(['verified', 'withheld']),
  /** Withholding kinds that apply, sorted; empty iff verified. */
  kinds: z.array(z.enum(WITHHOLD_KINDS)),
  /** Flags (one per kind) that withhold this segment, in the order of `kinds`. */
  flagIds: z.array(z.string()),
  /** The event that closed the window this segment comes from. */
  eventId: z.string(),
});
export type Segment = z.infer<typeof segmentSchema>;

export const evidenceSchema = z.strictObject({
  eventId: z.string(),
  atMs: z.int(),
  note: z.string(),
  platformId: z.string().optional(),
  sessionId: z.string().optional(),
  learnerIds: z.array(z.string()).optional(),
});
export type Evidence = z.infer<typeof evidenceSchema>;

/** The whole current state of one flag; consumers keep the highest `version`. */
export const flagUpdateSchema = z.strictObject({
  flagId: z.string(),
  kind: z.enum(FLAG_KINDS),
  learnerId: attr,
  platformId: attr,
  sessionId: attr,
  firstAtMs: z.int(),
  lastAtMs: z.int(),
  occurrences: z.int().min(1),
  withheldMs: z.int().min(0),
  evidence: z.array(evidenceSchema).max(5),
  version: z.int().min(1),
});
export type FlagUpdate = z.infer<typeof flagUpdateSchema>;

/** The current attributes and bounds of one study session; consumers keep the highest `version`. */
export const sessionRecordSchema = z.strictObject({
  platformId: attr,
  sessionId: attr,
  learnerId: attr,
  ...sessionAttributes,
  startMs: z.int(),
  endMs: z.int().nullable(),
  version: z.int().min(1),
});
export type SessionRecord = z.infer<typeof sessionRecordSchema>;

export const certificateRecordSchema = z.strictObject({
  certificateId: attr,
  platformId: attr,
  learnerId: attr,
  courseId: attr,
  requiredHours: z.number(),
  issuedAtMs: z.int(),
  eventId: z.string(),
});
export type CertificateRecord = z.infer<typeof certificateRecordSchema>;

/** A supervisor's review of a flag. It covers the flag's withheld segments ending at or before `coversUntilMs`. */
export const decisionRecordSchema = z.strictObject({
  decisionId: z.string(),
  flagId: z.string(),
  decision: z.enum(['approve', 'reject']),
  note: z.string().max(2000),
  by: z.string(),
  atMs: z.int(),
  coversUntilMs: z.int(),
});
export type DecisionRecord = z.infer<typeof decisionRecordSchema>;

/** A rejected event with its reasons: nothing sent is silently lost. */
export const rejectedEventSchema = z.strictObject({
  platformId: z.string(),
  receivedAt: z.string(),
  source: z.enum(['ingest', 'replay']),
  index: z.int().min(0),
  id: z.string().nullable(),
  type: z.string().nullable(),
  errors: z.array(z.strictObject({ path: z.string(), code: z.string(), message: z.string() })),
  raw: z.string(),
  truncated: z.boolean(),
});
export type RejectedEvent = z.infer<typeof rejectedEventSchema>;

/**
 * How many events of a platform the detector processed, per programme day of receipt. Counts with
 * `through` are cumulative over a fixed stretch of one events partition (its id names the partition
 * and where the stretch begins), up to and including offset `through`: a copy with a higher `through`
 * supersedes a lower one, and every copy with the same `through` holds the same numbers, however
 * the detector batched the offsets. Counts without it (written before) are per batch, each id once.
 */
export const eventCountSchema = z.strictObject({
  countId: z.string(),
  platformId: z.string(),
  day: z.string(),
  accepted: z.int().min(0),
  /**
   * Segments the detector emitted for these events (each segment id is emitted once), so that the
   * warehouse can reconcile them with the segments it stored. Absent in counts written before it
   * was counted; those are left out of the reconciliation.
   */
  segments: z.int().min(0).optional(),
  /** The last events offset this cumulative count covers (see above); absent in per-batch counts. */
  through: z.int().min(0).optional(),
});
export type EventCountRecord = z.infer<typeof eventCountSchema>;

/**
 * Whether a copy of a count replaces the copy of its id held so far: only if it counts further. The
 * first of equal copies stands (per-batch counts, without `through`, are each id's first copy).
 */
export function countSupersedes(
  next: Pick<EventCountRecord, 'through'>,
  held: Pick<EventCountRecord, 'through'> | undefined,
): boolean {
  return held === undefined || (next.through ?? -1) > (held.through ?? -1);
}

/** Raw JSON of a rejected event is kept up to this many bytes. */
export const REJECTED_RAW_MAX_BYTES = 64 * 1024;

export const TOPICS = {
  events: 'events.v1',
  rejected: 'events.rejected.v1',
  segments: 'segments.v1',
  flags: 'flags.v1',
  sessions: 'sessions.v1',
  certificates: 'certificates.v1',
  decisions: 'decisions.v1',
  counts: 'counts.v1',
} as const;
export type TopicName = keyof typeof TOPICS;

/**
 * Consumer groups of the pipeline's stages. One definition: the admin pipeline status reads the
 * committed offsets of exactly these groups, so a renamed group cannot silently report "caught up".
 */
export function consumerGroups(prefix: string): { detector: string; aggregator: string } {
  return { detector: `${prefix}detector`, aggregator: `${prefix}aggregator` };
}

/**
 * The prefix of the detector's state keys, per topic prefix. One definition: `hourglass detector` and
 * `hourglass start` on the same Redis must find each other's learner states and partition claims.
 */
export function stateKeyPrefix(prefix: string): string {
  return `hg:${prefix}`;
}

export function topicNames(prefix: string): { [K in TopicName]: string } {
  const out = {} as { [K in TopicName]: string };
  for (const [k, v] of Object.entries(TOPICS)) out[k as TopicName] = `${prefix}${v}`;
  return out;
}
