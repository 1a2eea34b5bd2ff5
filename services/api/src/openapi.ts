import { z } from 'zod';
import {
  decisionBodySchema,
  flagParamsSchema,
  flagsQuerySchema,
  hoursQuerySchema,
  jsonOnlyQuerySchema,
  learnerParamsSchema,
  learnerQuerySchema,
  sessionParamsSchema,
} from './query-schemas';
import {
  certificateSchema,
  decisionSchema,
  errorResponseSchema,
  evidenceSchema,
  flagSchema,
  flagsResponseSchema,
  hoursResponseSchema,
  hoursRowSchema,
  learnerResponseSchema,
  learnerTotalSchema,
  pipelineResponseSchema,
  programmeResponseSchema,
  segmentSchema,
  sessionResponseSchema,
} from './responses';

/**
 * The OpenAPI 3.1 document, generated from the very zod schemas the routes validate with (and the
 * response schemas the tests check answers against). `scripts/generate-openapi.ts` writes it to
 * schemas/openapi.json; a test fails when the checked-in file differs.
 */

const COMPONENTS: Record<string, z.ZodType> = {
  HoursResponse: hoursResponseSchema,
  HoursRow: hoursRowSchema,
  LearnerResponse: learnerResponseSchema,
  LearnerTotal: learnerTotalSchema,
  Certificate: certificateSchema,
  ProgrammeResponse: programmeResponseSchema,
  FlagsResponse: flagsResponseSchema,
  Flag: flagSchema,
  Evidence: evidenceSchema,
  Decision: decisionSchema,
  Segment: segmentSchema,
  SessionTimeline: sessionResponseSchema,
  DecisionRequest: decisionBodySchema,
  PipelineStatus: pipelineResponseSchema,
  Error: errorResponseSchema,
};

type Json = Record<string, unknown>;
const ref = (name: keyof typeof COMPONENTS & string) => ({ $ref: `#/components/schemas/${name}` });

function componentSchemas(): Json {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENTS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    // Request bodies are documented as accepted (input); responses as sent (output).
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  const out: Json = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _s, $id: _i, ...rest } = schema as Json;
    out[id] = rest;
  }
  return out;
}

/** One OpenAPI parameter per property of a (strict) object schema of query or path parameters. */
function parameters(schema: z.ZodType, where: 'query' | 'path'): Json[] {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, Json>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, prop]) => {
    const { description, ...rest } = prop;
    const p: Json = { name, in: where, required: where === 'path' || (json.required ?? []).includes(name) };
    if (typeof description === 'string') p.description = description;
    p.schema = rest;
    return p;
  });
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ref('Error') } },
});
const ERRORS = {
  '400': errorResponse('Invalid parameter or body; the message names each problem'),
  '401': errorResponse('Missing or unknown bearer token'),
  '403': errorResponse('Token of a role (or a platform) that may not use this endpoint'),
  '503': errorResponse(
    'A server the answer needs is unavailable (the warehouse; for the pipeline status, the log); retry after Retry-After seconds',
  ),
};

function jsonResponse(name: keyof typeof COMPONENTS & string, description: string, csv?: string): Json {
  const content: Json = { 'application/json': { schema: ref(name) } };
  if (csv) content['text/csv'] = { schema: { type: 'string', description: csv } };
  return { '200': { description, content }, ...ERRORS };
}

function operation(summary: string, roles: string, params: Json[], responses: Json, extra: Json = {}): Json {
  return {
    summary,
    description: `Roles: ${roles}.`,
    security: [{ bearer: [] }],
    parameters: params,
    responses,
    ...extra,
  };
}

export function buildOpenApi(): Json {
  const stats = 'statistician, admin';
  const review = 'supervisor (platforms in scope; others answer 404 as if unknown), admin';
  const notFound = { '404': errorResponse('Unknown, or outside the supervisor’s scope') };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hourglass query API',
      version: '1',
      description:
        'Supervisor, statistician and admin endpoints of SPEC §5. Hours are seconds / 3600, not rounded. ' +
        'List endpoints answer CSV (header row, RFC 4180) for Accept: text/csv or format=csv.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/' }],
    paths: {
      '/v1/stats/hours': {
        get: operation(
          'Verified, pending and rejected hours, grouped and filtered',
          stats,
          parameters(hoursQuerySchema, 'query'),
          jsonResponse(
            'HoursResponse',
            'Rows sorted by group keys; at most 1,000,000 (a grouping with more answers 400 naming the bound)',
            'Header row, then one line per row',
          ),
        ),
      },
      '/v1/stats/learners/{learnerId}': {
        get: operation(
          'A learner’s totals per platform and course, with certificates and their backing',
          stats,
          [...parameters(learnerParamsSchema, 'path'), ...parameters(learnerQuerySchema, 'query')],
          jsonResponse(
            'LearnerResponse',
            'Totals and certificates',
            'The totals, one line per platform and course',
          ),
        ),
      },
      '/v1/stats/programme': {
        get: operation(
          'Programme overview beside its targets, with per-platform quality figures',
          stats,
          parameters(jsonOnlyQuerySchema, 'query'),
          jsonResponse('ProgrammeResponse', 'Programme figures'),
        ),
      },
      '/v1/flags': {
        get: operation(
          'Flags in the caller’s scope, newest first, cursor-paginated',
          review,
          parameters(flagsQuerySchema, 'query'),
          jsonResponse(
            'FlagsResponse',
            'One page of flags',
            'One line per flag (evidence and decisions as JSON); the next cursor is in the X-Next-Cursor header',
          ),
        ),
      },
      '/v1/flags/{flagId}': {
        get: operation(
          'One flag with its evidence and decisions',
          review,
          [...parameters(flagParamsSchema, 'path'), ...parameters(jsonOnlyQuerySchema, 'query')],
          { ...jsonResponse('Flag', 'The flag'), ...notFound },
        ),
      },
      '/v1/flags/{flagId}/decision': {
        post: operation(
          'Approve or reject the withheld time of an open flag',
          review,
          parameters(flagParamsSchema, 'path'),
          {
            ...jsonResponse('Flag', 'The updated flag'),
            ...notFound,
            '409': errorResponse('The flag is already decided and has no new withheld time'),
            '413': errorResponse('The body is larger than the server accepts'),
            '415': errorResponse('The body is not application/json'),
            '503': errorResponse('The decisions log is unavailable; retry after Retry-After seconds'),
          },
          {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: ref('DecisionRequest') } },
            },
          },
        ),
      },
      '/v1/sessions/{platformId}/{sessionId}': {
        get: operation(
          'A session’s timeline: attributes, segments, flags and decisions',
          review,
          [...parameters(sessionParamsSchema, 'path'), ...parameters(jsonOnlyQuerySchema, 'query')],
          { ...jsonResponse('SessionTimeline', 'The timeline'), ...notFound },
        ),
      },
      '/v1/admin/pipeline': {
        get: operation(
          'Whether every accepted event is reflected in the query API, and per-stage lag',
          'admin',
          parameters(jsonOnlyQuerySchema, 'query'),
          jsonResponse('PipelineStatus', 'Pipeline status'),
        ),
      },
      '/v1/openapi.json': {
        get: {
          summary: 'This document',
          security: [],
          responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': {} } } },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A user token (SPEC §6)' } },
      schemas: componentSchemas(),
    },
  };
}

/** The checked-in form: 2-space JSON with a final newline. */
export function renderOpenApi(): string {
  return `${JSON.stringify(buildOpenApi(), null, 2)}\n`;
}
