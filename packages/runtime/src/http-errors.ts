import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, type HttpErrorCode } from './errors';

export interface ErrorBody {
  error: { code: HttpErrorCode; message: string };
}

// Fastify's own client-fault errors, mapped to SPEC error codes.
const FASTIFY_CODES: Record<string, HttpErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_BAD_URL: 'bad_request',
  FST_ERR_ASYNC_CONSTRAINT: 'bad_request',
};

const STATUS_CODES: Record<number, HttpErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

export interface ErrorReply {
  statusCode: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

/**
 * Maps anything thrown to the SPEC's error shape. Client faults keep their 4xx status (a 5xx for bad
 * input would make platforms retry requests that can never succeed); anything unrecognized is a 500 with
 * a generic message, so internals never leak.
 */
export function toErrorReply(err: unknown): ErrorReply {
  if (err instanceof HttpError) {
    return {
      statusCode: err.statusCode,
      body: { error: { code: err.code, message: err.message } },
      headers: { ...err.headers },
    };
  }
  const e = (typeof err === 'object' && err !== null ? err : {}) as Partial<FastifyError> & {
    validation?: unknown;
  };
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  const message = typeof e.message === 'string' ? e.message : 'error';
  if (err instanceof SyntaxError) {
    return {
      statusCode: 400,
      body: { error: { code: 'invalid_json', message: 'body is not valid JSON' } },
      headers: {},
    };
  }
  if (e.validation !== undefined) {
    return { statusCode: 400, body: { error: { code: 'bad_request', message } }, headers: {} };
  }
  if (status >= 400 && status < 500) {
    const code =
      (e.code !== undefined ? FASTIFY_CODES[e.code] : undefined) ?? STATUS_CODES[status] ?? 'bad_request';
    return { statusCode: status, body: { error: { code, message } }, headers: {} };
  }
  if (status === 503) {
    return {
      statusCode: 503,
      body: { error: { code: 'unavailable', message: 'service unavailable' } },
      headers: {},
    };
  }
  return { statusCode: 500, body: { error: { code: 'internal', message: 'internal error' } }, headers: {} };
}

export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const r = toErrorReply(err);
  if (r.statusCode >= 500) request.log.error({ err }, 'request failed');
  else request.log.debug({ code: r.body.error.code, status: r.statusCode }, 'client error');
  void reply.code(r.statusCode).headers(r.headers).send(r.body);
}
