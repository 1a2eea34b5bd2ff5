import { HttpError, type HttpErrorCode } from '@hourglass/runtime';
import { isWarehouseError } from '@hourglass/warehouse';
import type { z } from 'zod';

/** Request-level error codes the API's routes answer with (SPEC §5). */
export type ApiErrorCode = Extract<
  HttpErrorCode,
  'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'unavailable'
>;

/**
 * The API answers with runtime's HttpError, which the server's error handler renders in the SPEC §5
 * shape `{"error":{"code","message"}}`; anything else thrown is a 500 with a generic message.
 */
export function apiError(
  status: number,
  code: ApiErrorCode,
  message: string,
  headers: Record<string, string> = {},
): HttpError {
  return new HttpError(status, code, message, headers);
}

export const badRequest = (message: string) => apiError(400, 'bad_request', message);
export const unauthorized = (message: string) =>
  apiError(401, 'unauthorized', message, { 'www-authenticate': 'Bearer' });
export const forbidden = (message: string) => apiError(403, 'forbidden', message);
export const notFound = (message: string) => apiError(404, 'not_found', message);
export const conflict = (message: string) => apiError(409, 'conflict', message);
export const unavailable = (message: string, retryAfterSec = 5) =>
  apiError(503, 'unavailable', message, { 'retry-after': String(retryAfterSec) });

/** Echoes client input into messages safely: bounded length, JSON-quoted (no raw control characters). */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const short = text !== undefined && text.length > 40 ? `${text.slice(0, 40)}…` : (text ?? '');
  return JSON.stringify(short);
}

/**
 * One precise sentence per zod issue, prefixed by the parameter it is about, e.g.
 * `to: must be a calendar day YYYY-MM-DD, got "2026-02-30"`.
 */
export function describeIssues(error: z.ZodError, what: 'query parameter' | 'body field' | 'path parameter') {
  return error.issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((k) => `unknown ${what} ${quote(k)}`).join('; ');
      }
      const path = issue.path.map(String).join('.');
      return path === '' ? issue.message : `${path}: ${issue.message}`;
    })
    .join('; ');
}

/**
 * Per-parse zod error map for what the schemas do not word themselves: issues carry no input by
 * default, so a missing value is only recognizable here.
 */
export function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'is required';
    const got = issue.input === null ? 'null' : Array.isArray(issue.input) ? 'array' : typeof issue.input;
    return `must be ${issue.expected === 'object' ? 'an' : 'a'} ${issue.expected}, got ${got}`;
  }
  return undefined;
}

/**
 * Warehouse failures as answers: unreachable or closed → 503 (retry later); input it refuses → 400
 * (the API validated already, so this only happens for values it cannot check itself, such as a
 * tampered cursor); anything else stays a 500.
 */
export async function fromWarehouse<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (isWarehouseError(err, 'unavailable') || isWarehouseError(err, 'closed')) {
      throw unavailable(`the warehouse is unavailable (${what}); retry later`);
    }
    if (isWarehouseError(err, 'invalid')) throw badRequest(err.message);
    throw err;
  }
}
