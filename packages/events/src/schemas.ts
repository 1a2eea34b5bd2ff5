import { z } from 'zod';
import { IDENTIFIER, LEARNER_GROUPS, OCCUPATION, PLATFORM_ID, REGION } from './patterns';
import { parseTimestamp } from './time';

/** Serialized size limit of `ext` (SPEC §2). */
export const EXT_MAX_BYTES = 2048;

const identifier = z.string().regex(IDENTIFIER, 'must match ^[A-Za-z0-9._:-]{1,128}$');
const platformId = z.string().regex(PLATFORM_ID, 'must match ^[a-z0-9][a-z0-9-]{0,63}$');

export const timestamp = z
  .string()
  .meta({
    format: 'date-time',
    description: 'RFC 3339 with an explicit offset (Z or ±hh:mm), at most millisecond precision',
  })
  .check((ctx) => {
    if (parseTimestamp(ctx.value) === null) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        params: { code: 'invalid_timestamp' },
        message:
          'must be an RFC 3339 timestamp with an explicit offset (Z or ±hh:mm) and at most millisecond precision',
      });
    }
  });

function serializedBytes(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value), 'utf8');
  } catch {
    // JSON.stringify recurses: nesting a few thousand levels deep overflows the stack. No such value
    // fits in EXT_MAX_BYTES anyway, so it is simply too big (and must not crash validation).
    return Number.POSITIVE_INFINITY;
  }
}

// JSON Schema cannot express the size limit or the forbidden keys: the description says them.
const ext = z
  .record(z.string(), z.unknown())
  .meta({
    description:
      'Platform-specific data: at most 2048 bytes serialized as JSON (UTF-8); keys "__proto__" and ' +
      '"constructor" holding "prototype" are rejected',
  })
  .check((ctx) => {
    const bytes = serializedBytes(ctx.value);
    if (bytes > EXT_MAX_BYTES) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        params: { code: 'too_big' },
        message: `must serialize to at most ${EXT_MAX_BYTES} bytes (got ${Number.isFinite(bytes) ? bytes : 'more, nested too deeply'})`,
      });
    }
  });

const envelope = {
  id: identifier,
  time: timestamp,
  platformId,
  learnerId: identifier,
  sessionId: identifier,
  ext: ext.optional(),
};

export const sessionStartSchema = z.strictObject({
  ...envelope,
  type: z.literal('session.start'),
  courseId: identifier,
  deviceId: identifier,
  occupation: z.string().regex(OCCUPATION, 'must match ^[0-9A-Za-z.-]{1,32}$').optional(),
  region: z.string().regex(REGION, 'must be a 6-digit administrative division code').optional(),
  learnerGroup: z.enum(LEARNER_GROUPS).optional(),
});

export const mediaSchema = z.strictObject({
  positionSec: z.number().min(0),
  rate: z.number().min(0.25).max(16).optional(),
  playing: z.boolean(),
});

export const heartbeatSchema = z.strictObject({
  ...envelope,
  type: z.literal('heartbeat'),
  courseId: identifier,
  seq: z
    .int()
    .min(0)
    .max(2 ** 31 - 1),
  intervalSec: z.int().min(5).max(300),
  focus: z.boolean(),
  interactions: z.int().min(0).max(100_000),
  media: mediaSchema.optional(),
  presence: z.enum(['passed', 'failed']).optional(),
});

export const sessionEndSchema = z.strictObject({
  ...envelope,
  type: z.literal('session.end'),
  reason: z.enum(['completed', 'exited', 'timeout']).optional(),
});

export const quizSubmittedSchema = z
  .strictObject({
    ...envelope,
    type: z.literal('quiz.submitted'),
    courseId: identifier,
    quizId: identifier,
    questions: z.int().min(1).max(1000),
    correct: z.int().min(0).meta({ description: 'Correct answers, at most questions' }),
    durationSec: z.number().min(0),
    answersDigest: z.string().max(128).optional(),
  })
  .check((ctx) => {
    if (ctx.value.correct > ctx.value.questions) {
      ctx.issues.push({
        code: 'too_big',
        origin: 'int',
        maximum: ctx.value.questions,
        inclusive: true,
        input: ctx.value.correct,
        path: ['correct'],
        message: 'must be at most questions',
      });
    }
  });

export const certificateIssuedSchema = z.strictObject({
  ...envelope,
  sessionId: identifier.optional(),
  type: z.literal('certificate.issued'),
  courseId: identifier,
  certificateId: identifier,
  requiredHours: z.number().gt(0).max(1000),
});

export const eventSchemas = {
  'session.start': sessionStartSchema,
  heartbeat: heartbeatSchema,
  'session.end': sessionEndSchema,
  'quiz.submitted': quizSubmittedSchema,
  'certificate.issued': certificateIssuedSchema,
} as const;

export const eventSchema = z.discriminatedUnion('type', [
  sessionStartSchema,
  heartbeatSchema,
  sessionEndSchema,
  quizSubmittedSchema,
  certificateIssuedSchema,
]);

export type SessionStartEvent = z.infer<typeof sessionStartSchema>;
export type HeartbeatEvent = z.infer<typeof heartbeatSchema>;
export type SessionEndEvent = z.infer<typeof sessionEndSchema>;
export type QuizSubmittedEvent = z.infer<typeof quizSubmittedSchema>;
export type CertificateIssuedEvent = z.infer<typeof certificateIssuedSchema>;
export type HourglassEvent = z.infer<typeof eventSchema>;
export type Media = z.infer<typeof mediaSchema>;

/** An accepted event as it travels on the events topic: stamped with the server's receipt time. */
export type AcceptedEvent = HourglassEvent & { receivedAt: string };

export const _internal = { identifier, platformId };
