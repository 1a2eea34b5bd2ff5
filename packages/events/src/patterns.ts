/** Identifier and code patterns of SPEC §2. Kept in one place: ingest, the query API and SQL escaping rely on them. */
export const IDENTIFIER = /^[A-Za-z0-9._:-]{1,128}$/;
export const PLATFORM_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const OCCUPATION = /^[0-9A-Za-z.-]{1,32}$/;
// [0-9], not \d: the JSON Schemas carry this pattern, and validators in other languages read \d as any
// Unicode digit (full-width ones too).
export const REGION = /^[0-9]{6}$/;
/** RFC 3339 with an explicit offset and at most millisecond precision. */
export const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(Z|[+-](\d{2}):(\d{2}))$/;
export const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export const LEARNER_GROUPS = [
  'migrant_worker',
  'unemployed',
  'graduate',
  'poverty_laborer',
  'enterprise_employee',
  'other',
] as const;
export type LearnerGroup = (typeof LEARNER_GROUPS)[number];

export const EVENT_TYPES = [
  'session.start',
  'heartbeat',
  'session.end',
  'quiz.submitted',
  'certificate.issued',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Attribute value used when a session was begun by a heartbeat and never got its session.start. */
export const UNKNOWN = 'unknown';
