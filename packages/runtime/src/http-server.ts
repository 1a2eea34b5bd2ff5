import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { HttpError } from './errors';
import { errorHandler } from './http-errors';

export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean>;
}

export interface HttpServerOptions {
  logger: Logger;
  registry: Registry;
  readiness: () => Promise<Readiness>;
  /** Default body limit in bytes; routes may set their own. */
  bodyLimit?: number;
  /** A readiness check slower than this counts as not ready (a hung dependency is not a ready one). */
  readinessTimeoutMs?: number;
  /**
   * A connection on which nothing moved for this long, either way, is closed (default 120 s, beyond
   * the warehouse's 30 s read deadline). Without it a client that never reads its answer held that
   * answer, e.g. a large CSV, in this process for good.
   */
  idleConnectionTimeoutMs?: number;
  /**
   * How long a request (headers and body) may take to arrive; a slower one is answered 408 and its
   * connection closed. Default 60 s per MiB of bodyLimit, 60 s at least.
   */
  requestTimeoutMs?: number;
}

export const DEFAULT_IDLE_CONNECTION_TIMEOUT_MS = 120_000;

declare module 'fastify' {
  interface FastifyRequest {
    /** Fields a route adds to the request's access-log line (e.g. platform, accepted/rejected counts). */
    logFields: Record<string, unknown> | null;
  }
}

// Incoming ids are echoed only when harmless: they end up in logs and response headers.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const QUIET_URLS = new Set(['/healthz', '/readyz', '/metrics']);
/** Path parameters are identifiers of up to 128 characters (SPEC §2), URL-encoded up to 3 bytes each plus room. */
const MAX_PARAM_LENGTH = 512;
/**
 * Fastify's default request timeout is 0: a body sent a byte at a time (slowloris) held its connection, and
 * the part of the body already read, for as long as the client liked. Node's own default is 300 s; 60 s is
 * its header timeout and ample for a 1 MiB body.
 */
const REQUEST_TIMEOUT_MS = 60_000;
/** Retry-After of a request read while the server shuts down. */
const CLOSING_RETRY_AFTER_SEC = 5;

/** Query parameters that may carry a credential (RFC 6750's access_token, api keys): never logged. */
const SECRET_PARAM = /token|auth|key|secret|password/i;

/**
 * The request URL for the access log, with the values of credential-like query parameters replaced:
 * tokens are read only from the Authorization header, but a client may still put one in the URL.
 */
export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  // Fast path: nothing that could name such a parameter, even percent-encoded.
  const query = url.slice(q + 1);
  if (!query.includes('%') && !SECRET_PARAM.test(query)) return url;
  const params = query.split('&').map((p) => {
    const eq = p.indexOf('=');
    const rawKey = eq < 0 ? p : p.slice(0, eq);
    let key = rawKey;
    try {
      key = decodeURIComponent(rawKey.replaceAll('+', ' '));
    } catch {
      // A broken escape: judge the key as written.
    }
    return eq >= 0 && SECRET_PARAM.test(key) ? `${rawKey}=[redacted]` : p;
  });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

/**
 * Faults Node's HTTP parser reports before any request exists (a malformed request, headers over the size
 * limit, a request slower than the server's timeout). Fastify's default answer to them is
 * `{"error":"Bad Request","message":"Client Error","statusCode":400}`; this one is the same answer in the
 * SPEC shape `{"error":{"code","message"}}`.
 */
function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, code, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'request_timeout', 'the request took too long to arrive']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'bad_request', 'the request headers are too large']
        : [400, 'Bad Request', 'bad_request', 'the request is not well-formed HTTP'];
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

async function checkReadiness(readiness: () => Promise<Readiness>, timeoutMs: number): Promise<Readiness> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Readiness>((resolve) => {
    timer = setTimeout(() => resolve({ ready: false, checks: { readinessTimeout: false } }), timeoutMs);
  });
  try {
    return await Promise.race([readiness(), timeout]);
  } catch {
    return { ready: false, checks: { readinessError: false } };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A Fastify instance with the endpoints every service has (`/healthz`, `/readyz`, `/metrics`), request
 * ids (`x-request-id`, echoed when sane), one access-log line per request, and an error handler that
 * answers everything in the SPEC's `{"error":{"code","message"}}` shape.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  // 60 s per MiB of the body limit, 60 s at least: a larger limit (ingest.maxBodyBytes, up to 256 MiB)
  // cut every upload of such a body slower than 1.1 MB/s with a 408, sent again from the start.
  const requestTimeoutMs =
    options.requestTimeoutMs ??
    Math.max(REQUEST_TIMEOUT_MS, Math.ceil((bodyLimit / (1024 * 1024)) * REQUEST_TIMEOUT_MS));
  const app = Fastify({
    loggerInstance: options.logger,
    // Our onResponse hook writes one access line per request instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    bodyLimit,
    connectionTimeout: options.idleConnectionTimeoutMs ?? DEFAULT_IDLE_CONNECTION_TIMEOUT_MS,
    requestTimeout: requestTimeoutMs,
    http: {
      // Node wants the header timeout no longer than the request's, and checks both on this interval
      // (30 s by default, which would let a request run up to 30 s past its timeout).
      headersTimeout: Math.min(REQUEST_TIMEOUT_MS, requestTimeoutMs),
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(requestTimeoutMs / 4))),
    },
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Fastify's own drain answer is `{"error":"Service Unavailable",...}` without Retry-After; the onRequest
    // hook below answers requests read while closing (pipelined on a busy keep-alive connection) instead,
    // before any work: the answer in flight closes the connection, so theirs may never arrive, and the
    // client must be able to send them again knowing nothing of them was done.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    clientErrorHandler,
    // find-my-way's default of 100 would refuse valid ids.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // The router's own faults (a broken percent-escape, an over-long parameter) are answered before any
    // handler runs, with Fastify's body unless they are routed here. An over-long identifier is a bad
    // query like any other invalid one: 400, not Fastify's 414.
    frameworkErrors: (err, request, reply) =>
      errorHandler(
        err.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new HttpError(
              400,
              'bad_request',
              `a path parameter is longer than ${MAX_PARAM_LENGTH} characters`,
            )
          : err,
        request,
        reply,
      ),
  });
  const readinessTimeoutMs = options.readinessTimeoutMs ?? 2000;

  app.decorateRequest('logFields', null);
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  const notFound = (request: FastifyRequest, reply: FastifyReply) =>
    reply
      .code(404)
      .send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url}` } });
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    if (closing) {
      // Draining: nothing of this request is done; another instance (or this one restarted) will take it.
      return reply
        .code(503)
        .headers({ connection: 'close', 'retry-after': String(CLOSING_RETRY_AFTER_SEC) })
        .send({ error: { code: 'unavailable', message: 'the server is shutting down: retry the request' } });
    }
    // A request that matches no route is 404 before its body is parsed: not 400 or 415 by its body.
    if (request.is404) return notFound(request, reply);
  });
  // Closing ends the connections idle at that moment, but one whose request is in flight stayed open
  // after its answer until the keep-alive timeout (72 s), so a shutdown's `http` step hit its bound
  // and the process exited 1. Answers given while closing (`closing`, set in preClose above) end
  // their connection.
  app.addHook('onSend', async (request, reply, payload) => {
    // An answer given before the body was read (401, 403, 415 from a hook) ends the connection: the rest
    // of the body is not read, and a request timeout cannot later add a 408 after this answer.
    if (closing || !request.raw.complete) void reply.header('connection', 'close');
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    // A streamed answer whose headers went out before closing began: its connection is idle now.
    if (closing) app.server.closeIdleConnections();
    const line = {
      method: request.method,
      url: loggableUrl(request.url),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      ...request.logFields,
    };
    if (QUIET_URLS.has(request.url)) request.log.debug(line, 'request');
    else request.log.info(line, 'request');
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    void notFound(request, reply);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const r = await checkReadiness(options.readiness, readinessTimeoutMs);
    return reply.code(r.ready ? 200 : 503).send(r);
  });
  app.get('/metrics', async (_request, reply) => {
    const text = await options.registry.metrics();
    return reply.type(options.registry.contentType).send(text);
  });
  // Routes only need the base logger interface; the pino-typed instance is otherwise identical.
  return app as unknown as FastifyInstance;
}
