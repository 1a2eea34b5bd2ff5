import { FLAG_KINDS, LEARNER_GROUPS, UNKNOWN, WITHHOLD_KINDS } from '@hourglass/events';
import { z } from 'zod';

/**
 * Response shapes. They are not used to validate what the API sends on the hot path; they document it
 * in the OpenAPI document and the tests check real responses against them, so the two stay equal.
 */

const hours = (what: string) =>
  z
    .number()
    .min(0)
    .meta({ description: `${what}, in hours (seconds / 3600, not rounded)` });
const classHours = (what: string) =>
  z
    .number()
    .min(0)
    .optional()
    .meta({
      description: `${what}, in class hours; present only when the configuration sets classHourMinutes`,
    });
const iso = (what: string) =>
  z.string().meta({ format: 'date-time', description: `${what} (RFC 3339, UTC)` });

export const hoursFields = {
  verifiedHours: hours('Verified time'),
  pendingHours: hours('Withheld time with at least one open flag'),
  rejectedHours: hours(
    'Withheld time that stays withheld (a flag rejected, or approved flags not covering it)',
  ),
  verifiedClassHours: classHours('Verified time'),
  pendingClassHours: classHours('Pending time'),
  rejectedClassHours: classHours('Rejected time'),
};

const learnerGroup = z.union([z.enum(LEARNER_GROUPS), z.literal(UNKNOWN)]);

export const hoursRowSchema = z.strictObject({
  day: z.string().optional().meta({ format: 'date', description: 'Present when grouped by day' }),
  platformId: z.string().optional().meta({ description: 'Present when grouped by platform' }),
  region: z.string().optional().meta({ description: 'Present when grouped by region' }),
  occupation: z.string().optional().meta({ description: 'Present when grouped by occupation' }),
  courseId: z.string().optional().meta({ description: 'Present when grouped by course' }),
  learnerGroup: learnerGroup.optional().meta({ description: 'Present when grouped by learnerGroup' }),
  learnerId: z.string().optional().meta({ description: 'Present when grouped by learner' }),
  ...hoursFields,
  learners: z.int().min(0).meta({ description: 'Distinct learners with verified time in the row' }),
});

export const hoursResponseSchema = z.strictObject({
  rows: z.array(hoursRowSchema).meta({ description: 'Sorted by the group keys' }),
});

export const learnerTotalSchema = z.strictObject({
  platformId: z.string(),
  courseId: z.string(),
  ...hoursFields,
});

export const certificateSchema = z.strictObject({
  certificateId: z.string(),
  platformId: z.string(),
  courseId: z.string(),
  requiredHours: z.number(),
  issuedAt: iso('When the platform issued it'),
  courseVerifiedHours: hours("The learner's verified time on the course on every platform, all days"),
  backed: z.boolean().meta({ description: 'courseVerifiedHours ≥ requiredHours' }),
});

export const learnerResponseSchema = z.strictObject({
  learnerId: z.string(),
  from: z.string().nullable().meta({ description: 'The from parameter, or null when unbounded' }),
  to: z.string().nullable().meta({ description: 'The to parameter, or null when unbounded' }),
  totals: z
    .array(learnerTotalSchema)
    .meta({ description: 'Per (platform, course), sorted, within from..to' }),
  certificates: z
    .array(certificateSchema)
    .meta({ description: 'Every certificate of the learner (backing is over all days, not only from..to)' }),
});

export const evidenceSchema = z.strictObject({
  eventId: z.string(),
  at: iso('Time of the evidence'),
  note: z.string(),
  platformId: z.string().optional(),
  sessionId: z.string().optional(),
  learnerIds: z.array(z.string()).optional(),
});

export const decisionSchema = z.strictObject({
  decisionId: z.string(),
  decision: z.enum(['approve', 'reject']),
  note: z.string(),
  by: z.string().meta({ description: 'User name of the deciding supervisor or admin' }),
  at: iso('When it was decided'),
  coversUntil: iso('It covers withheld segments of the flag up to this time'),
});

export const flagSchema = z.strictObject({
  flagId: z.string(),
  kind: z.enum(FLAG_KINDS),
  learnerId: z.string(),
  platformId: z.string(),
  sessionId: z.string(),
  firstAt: iso('First occurrence'),
  lastAt: iso('Latest occurrence'),
  occurrences: z.int().min(1),
  withheldSeconds: z.number().min(0).meta({ description: 'Time withheld by this flag, in seconds' }),
  evidence: z.array(evidenceSchema).meta({ description: 'Most recent evidence, at most 5' }),
  status: z.enum(['open', 'approved', 'rejected']),
  decisions: z.array(decisionSchema).meta({ description: 'Every decision on the flag, oldest first' }),
});

export const flagsResponseSchema = z.strictObject({
  flags: z.array(flagSchema),
  nextCursor: z
    .string()
    .nullable()
    .meta({ description: 'Pass as cursor for the next page; null on the last' }),
});

export const segmentSchema = z.strictObject({
  segmentId: z.string(),
  start: iso('Start'),
  end: iso('End'),
  seconds: z.number().min(0),
  status: z.enum(['verified', 'withheld']).meta({ description: 'As the rules decided it' }),
  effective: z
    .enum(['verified', 'pending', 'rejected'])
    .meta({ description: 'How it counts now, after review decisions' }),
  kinds: z.array(z.enum(WITHHOLD_KINDS)),
  flagIds: z.array(z.string()),
  eventId: z.string().meta({ description: 'The event that closed the window' }),
});

export const sessionResponseSchema = z.strictObject({
  platformId: z.string(),
  sessionId: z.string(),
  learnerId: z.string(),
  courseId: z.string(),
  deviceId: z.string(),
  occupation: z.string(),
  region: z.string(),
  learnerGroup,
  start: iso('Session start').nullable(),
  end: iso('Session end').nullable().meta({ description: 'null while the session has not ended' }),
  segments: z.array(segmentSchema).meta({ description: 'Every segment, by start time' }),
  flags: z.array(flagSchema),
  decisions: z.array(decisionSchema.extend({ flagId: z.string() })).meta({
    description: 'Every decision on the flags of the session, oldest first',
  }),
});

export const errorResponseSchema = z.strictObject({
  error: z.strictObject({
    code: z.string().meta({ description: 'Stable, machine-readable' }),
    message: z.string().meta({ description: 'Precise, human-readable' }),
  }),
});

export const pipelineResponseSchema = z.object({
  caughtUp: z
    .boolean()
    .meta({ description: 'True when every event accepted so far is fully reflected in the query API' }),
  stages: z.array(z.unknown()).meta({ description: 'Per stage: its lag and position' }),
});

const count = (description: string) => z.int().min(0).meta({ description });
const share = (description: string) => z.number().min(0).max(1).meta({ description });

export const platformQualitySchema = z.strictObject({
  platformId: z.string(),
  acceptedEvents: count('Events accepted from the platform'),
  rejectedEvents: count('Events rejected at ingest'),
  rejectedEventRate: share('rejected / (accepted + rejected); 0 when it sent nothing'),
  verifiedHours: hours('Time the rules verified (before review)'),
  withheldHours: hours('Time the rules withheld (before review)'),
  flaggedTimeShare: share('withheld / (verified + withheld); 0 when it has no time'),
});

export const programmeResponseSchema = z.strictObject({
  platforms: z.strictObject({
    active: count('Platforms with study sessions'),
    target: z.int(),
    met: z.boolean(),
  }),
  occupations: z.strictObject({
    covered: count('Distinct known occupation codes of study sessions'),
    target: z.int(),
    met: z.boolean(),
  }),
  coursesCovered: count('Distinct courses of study sessions'),
  learners: count('Distinct learners with verified time'),
  verifiedHours: hoursFields.verifiedHours,
  verifiedClassHours: hoursFields.verifiedClassHours,
  flaggedSessionsByKind: z
    .record(z.enum(FLAG_KINDS), z.int().min(0))
    .meta({ description: 'Distinct sessions with a flag of each kind (every kind listed)' }),
  certificates: z.strictObject({
    issued: count('Certificates issued'),
    backed: count('Certificates backed by the learner’s verified hours on the course'),
  }),
  platformQuality: z
    .array(platformQualitySchema)
    .meta({ description: 'Per platform, sorted by platformId: figures to evaluate platforms by' }),
});
