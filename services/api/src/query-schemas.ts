import {
  FLAG_KINDS,
  hasLoneSurrogate,
  IDENTIFIER,
  LEARNER_GROUPS,
  OCCUPATION,
  PLATFORM_ID,
  parseDay,
  REGION,
  UNKNOWN,
} from '@hourglass/events';
import { z } from 'zod';
import { quote } from './errors';

/**
 * The zod schemas of every query parameter, path parameter and request body. Routes validate with
 * them before anything reaches the warehouse (and so SQL), and the OpenAPI document is generated from
 * them, so the documentation cannot drift from what is enforced.
 */

/** Longest `from`..`to` span (inclusive days) a query may cover; it bounds the cost of one query. */
export const MAX_RANGE_DAYS = 400;
/** Days every ClickHouse Date (old and new servers) can hold; the warehouse refuses others. */
export const MIN_DAY = '1970-01-02';
export const MAX_DAY = '2105-12-30';
export const MAX_FLAGS_LIMIT = 1000;
export const DEFAULT_FLAGS_LIMIT = 100;

/** `groupBy` names of SPEC §5 and the row key each produces, in the order rows are sorted by. */
export const GROUPS = {
  day: 'day',
  platform: 'platformId',
  region: 'region',
  occupation: 'occupation',
  course: 'courseId',
  learnerGroup: 'learnerGroup',
  learner: 'learnerId',
} as const;
export type GroupName = keyof typeof GROUPS;
export type GroupKey = (typeof GROUPS)[GroupName];
export const GROUP_NAMES = Object.keys(GROUPS) as GroupName[];
const GROUP_BY_KEY = Object.fromEntries(Object.entries(GROUPS).map(([n, k]) => [k, n])) as Record<
  string,
  GroupName
>;

function pattern(re: RegExp, message: string, description: string) {
  return z.string().regex(re, `${message}`).meta({ description });
}

export const platformIdParam = pattern(
  PLATFORM_ID,
  'must match ^[a-z0-9][a-z0-9-]{0,63}$',
  'Platform id (SPEC §2 pattern)',
);
export const identifierParam = (what: string) =>
  pattern(IDENTIFIER, 'must match ^[A-Za-z0-9._:-]{1,128}$', `${what} (SPEC §2 identifier pattern)`);

const regionParam = z
  .string()
  .meta({
    description: `6-digit administrative division code, or "${UNKNOWN}"`,
    pattern: `^([0-9]{6}|${UNKNOWN})$`,
  })
  .check((ctx) => {
    if (ctx.value !== UNKNOWN && !REGION.test(ctx.value)) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message: `must be a 6-digit administrative division code or "${UNKNOWN}", got ${quote(ctx.value)}`,
      });
    }
  });
const occupationParam = pattern(
  OCCUPATION,
  'must match ^[0-9A-Za-z.-]{1,32}$',
  `National occupation code, or "${UNKNOWN}"`,
);
const learnerGroupParam = z.enum([...LEARNER_GROUPS, UNKNOWN], {
  error: (issue) => `must be one of ${[...LEARNER_GROUPS, UNKNOWN].join(', ')}, got ${quote(issue.input)}`,
});

export const dayParam = z
  .string()
  .meta({
    format: 'date',
    description: `Calendar day YYYY-MM-DD in the programme time zone, inclusive (${MIN_DAY}..${MAX_DAY})`,
  })
  .check((ctx) => {
    if (parseDay(ctx.value) === null) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message: `must be a calendar day YYYY-MM-DD, got ${quote(ctx.value)}`,
      });
    } else if (ctx.value < MIN_DAY || ctx.value > MAX_DAY) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message: `must be a day from ${MIN_DAY} to ${MAX_DAY}, got ${quote(ctx.value)}`,
      });
    }
  });

function formatParam(csv: boolean) {
  const values = csv ? (['json', 'csv'] as const) : (['json'] as const);
  return z
    .enum(values, {
      error: (issue) =>
        csv
          ? `must be json or csv, got ${quote(issue.input)}`
          : `must be json (CSV is only offered by the list endpoints stats/hours, stats/learners and flags), got ${quote(issue.input)}`,
    })
    .meta({
      description: csv
        ? 'Response format; overrides the Accept header (text/csv also selects CSV)'
        : 'Response format; this endpoint answers JSON only',
    });
}

/** Comma-separated subset of GROUP_NAMES; every unknown or repeated name is reported by name. */
const groupByParam = z
  .string()
  .meta({
    description: `Comma-separated subset of ${GROUP_NAMES.join(', ')}; none (or empty) gives one total row`,
    // Names are trimmed, so spaces around them are allowed.
    pattern: `^(\\s*(${GROUP_NAMES.join('|')})\\s*(,\\s*(${GROUP_NAMES.join('|')})\\s*)*)?$`,
  })
  .transform((value, ctx): GroupName[] => {
    const names = value === '' ? [] : value.split(',');
    const seen = new Set<string>();
    for (const raw of names) {
      const name = raw.trim();
      // Own keys only: `in` would take "constructor" or "toString" for groups.
      if (!Object.hasOwn(GROUPS, name)) {
        const hint = Object.hasOwn(GROUP_BY_KEY, name) ? ` (did you mean ${GROUP_BY_KEY[name]}?)` : '';
        ctx.addIssue({
          code: 'custom',
          input: value,
          message: `unknown group ${quote(name)}${hint}; allowed: ${GROUP_NAMES.join(', ')}`,
        });
      } else if (seen.has(name)) {
        ctx.addIssue({ code: 'custom', input: value, message: `group ${quote(name)} is listed twice` });
      }
      seen.add(name);
    }
    return GROUP_NAMES.filter((g) => seen.has(g));
  });

function dayNumber(day: string): number {
  const p = parseDay(day)!;
  return Date.UTC(p.y, p.m - 1, p.d) / 86_400_000;
}

/** from ≤ to and at most MAX_RANGE_DAYS inclusive days; reported on the object with both values named. */
function checkRange(ctx: { value: { from?: string; to?: string }; issues: z.core.$ZodRawIssue[] }) {
  const { from, to } = ctx.value;
  if (from === undefined || to === undefined) return;
  const days = dayNumber(to) - dayNumber(from) + 1;
  if (days < 1) {
    ctx.issues.push({ code: 'custom', input: ctx.value, message: `from (${from}) is after to (${to})` });
  } else if (days > MAX_RANGE_DAYS) {
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message: `from..to spans ${days} days (${from}..${to}); at most ${MAX_RANGE_DAYS} are allowed`,
    });
  }
}

const hourFilters = {
  platformId: platformIdParam.optional(),
  region: regionParam.optional(),
  occupation: occupationParam.optional(),
  courseId: identifierParam('Course id').optional(),
  learnerGroup: learnerGroupParam.optional(),
  learnerId: identifierParam('Learner pseudonym').optional(),
};

export const hoursQuerySchema = z
  .strictObject({
    from: dayParam,
    to: dayParam,
    groupBy: groupByParam.optional(),
    ...hourFilters,
    format: formatParam(true).optional(),
  })
  .check(checkRange);
export type HoursQueryParams = z.output<typeof hoursQuerySchema>;

export const learnerParamsSchema = z.strictObject({ learnerId: identifierParam('Learner pseudonym') });

export const learnerQuerySchema = z
  .strictObject({
    from: dayParam.optional(),
    to: dayParam.optional(),
    format: formatParam(true).optional(),
  })
  .check(checkRange);

export const jsonOnlyQuerySchema = z.strictObject({ format: formatParam(false).optional() });

export const flagsQuerySchema = z.strictObject({
  status: z
    .enum(['open', 'approved', 'rejected'], {
      error: (issue) => `must be one of open, approved, rejected, got ${quote(issue.input)}`,
    })
    .meta({ description: 'Review status: open (has undecided withheld time), approved, rejected' })
    .optional(),
  kind: z
    .enum(FLAG_KINDS, {
      error: (issue) => `must be one of ${FLAG_KINDS.join(', ')}, got ${quote(issue.input)}`,
    })
    .meta({ description: 'Flag kind (SPEC §4)' })
    .optional(),
  platformId: platformIdParam.optional(),
  learnerId: identifierParam('Learner pseudonym').optional(),
  limit: z
    .string()
    .meta({ description: `Page size, 1..${MAX_FLAGS_LIMIT} (default ${DEFAULT_FLAGS_LIMIT})` })
    .regex(/^[0-9]{1,4}$/, `must be an integer from 1 to ${MAX_FLAGS_LIMIT}`)
    .transform(Number)
    .pipe(
      z
        .int()
        .min(1, `must be an integer from 1 to ${MAX_FLAGS_LIMIT}`)
        .max(MAX_FLAGS_LIMIT, `must be an integer from 1 to ${MAX_FLAGS_LIMIT}`),
    )
    .optional(),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,1024}$/, 'must be a nextCursor returned by this endpoint')
    .meta({ description: 'The nextCursor of the previous page' })
    .optional(),
  format: formatParam(true).optional(),
});
export type FlagsQueryParams = z.output<typeof flagsQuerySchema>;

export const flagParamsSchema = z.strictObject({ flagId: identifierParam('Flag id') });

export const sessionParamsSchema = z.strictObject({
  platformId: platformIdParam,
  sessionId: identifierParam('Session id'),
});

export const DECISION_NOTE_MAX = 2000;
export const decisionBodySchema = z.strictObject({
  decision: z.enum(['approve', 'reject'], {
    error: (issue) =>
      issue.input === undefined ? 'is required' : `must be approve or reject, got ${quote(issue.input)}`,
  }),
  note: z
    .string({ error: 'must be a string' })
    .max(DECISION_NOTE_MAX, `must be at most ${DECISION_NOTE_MAX} characters`)
    // JSON can spell a lone UTF-16 surrogate ("\ud800"); the warehouse stores only well-formed text.
    .refine((s) => !hasLoneSurrogate(s), 'must be well-formed Unicode text (no lone surrogate escapes)')
    .default('')
    .meta({ description: 'Why; kept in the audit trail' }),
});
export type DecisionBody = z.output<typeof decisionBodySchema>;
