import type { z } from 'zod';
import { badRequest, describeIssues, issueMessage } from './errors';

/**
 * Validates a query string. Every parameter is single-valued: a repeated one (`?to=a&to=b`) is an
 * error rather than a silent pick, because either pick would answer a different question.
 */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.output<S> {
  const input = (query ?? {}) as Record<string, unknown>;
  const repeated = Object.entries(input)
    .filter(([, v]) => Array.isArray(v))
    .map(([k]) => `${k}: given more than once`);
  if (repeated.length > 0) throw badRequest(repeated.join('; '));
  const result = schema.safeParse({ ...input }, { error: issueMessage });
  if (!result.success) throw badRequest(describeIssues(result.error, 'query parameter'));
  return result.data;
}

export function parseParams<S extends z.ZodType>(schema: S, params: unknown): z.output<S> {
  const result = schema.safeParse(params, { error: issueMessage });
  if (!result.success) throw badRequest(describeIssues(result.error, 'path parameter'));
  return result.data;
}

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('body: must be a JSON object');
  }
  const result = schema.safeParse(body, { error: issueMessage });
  if (!result.success) throw badRequest(describeIssues(result.error, 'body field'));
  return result.data;
}
