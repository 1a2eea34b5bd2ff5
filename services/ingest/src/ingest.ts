import type { Socket } from 'node:net';
import { isLogError, type LogProducer } from '@hourglass/log';
import type { Config, Logger, Principal } from '@hourglass/runtime';
import { bearerToken, createAuthenticator } from '@hourglass/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { processBatch } from './batch';
import { type BodyFormat, parseBody } from './body';
import { bytesToReserve, createBodyBudget } from './body-budget';
import { asText } from './body-text';
import { ingestError } from './errors';
import { createIngestMetrics } from './metrics';
import { createRateLimiter } from './rate-limit';

export interface IngestOptions {
  config: Pick<Config, 'platforms' | 'users' | 'ingest'>;
  log: LogProducer;
  topics: { events: string; rejected: string };
  registry: Registry;
  logger: Logger;
  /** Server clock in epoch ms (tests pin it). */
  clock?: () => number;
  /** Retry-After of a 503 when the log is unavailable. Default 5 s. */
  unavailableRetryAfterSec?: number;
}

export interface Ingest {
  /** Mounts POST /v1/events and POST /v1/replay/events (in their own encapsulated context). */
  register(app: FastifyInstance): void;
  /** Readiness: the producer is connected (a disconnected one is asked to reconnect). */
  ready(): Promise<boolean>;
}

const NDJSON = 'application/x-ndjson';

type Route = 'events' | 'replay';

/**
 * The ingest API of SPEC §3. A request is all-or-nothing towards the log: its accepted and rejected
 * events go to the log in one send, awaited before answering, so a 200 means every accepted event is
 * durable and every rejected one is recorded with its reasons; any failure answers 503 and accepts nothing.
 */
export function createIngest(options: IngestOptions): Ingest {
  const { config, log, topics, logger } = options;
  const clock = options.clock ?? Date.now;
  const retryAfter = String(options.unavailableRetryAfterSec ?? 5);
  const auth = createAuthenticator(config);
  const bodies = createBodyBudget({ capBytes: config.ingest.maxInFlightBodyBytes });
  const metrics = createIngestMetrics({ registry: options.registry, bodyBytesHeld: bodies.held });
  const limiter = createRateLimiter(clock);
  const knownPlatforms = new Set(config.platforms.map((p) => p.id));
  const maxBodyBytes = config.ingest.maxBodyBytes;
  // Fastify request objects are per request: a WeakMap keeps the principal without widening their type.
  const principals = new WeakMap<FastifyRequest, Principal>();
  // The body budget's releases of each connection's requests not given back yet (reserveBody).
  const unreleased = new WeakMap<Socket, Set<() => void>>();

  function authorize(route: Route) {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const principal = auth.authenticate(request.headers.authorization);
      if (principal === null) {
        throw ingestError(401, 'unauthorized', 'missing or unknown bearer token', {
          'www-authenticate': 'Bearer realm="hourglass"',
        });
      }
      if (route === 'events' && principal.kind !== 'platform') {
        throw ingestError(403, 'forbidden', 'POST /v1/events takes a platform token');
      }
      if (route === 'replay' && !(principal.kind === 'user' && principal.role === 'admin')) {
        throw ingestError(403, 'forbidden', 'POST /v1/replay/events takes an admin token');
      }
      const encoding = request.headers['content-encoding'];
      if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
        // Compressed bodies are not decoded: reading them as JSON would only give a misleading 400.
        throw ingestError(415, 'unsupported_media_type', `content-encoding ${encoding} is not supported`);
      }
      principals.set(request, principal);
      reserveBody(request, reply);
    };
  }

  /** Before the body is read: a request whose body does not fit beside those held answers 503 (body-budget.ts). */
  function reserveBody(request: FastifyRequest, reply: FastifyReply): void {
    const bytes = bytesToReserve(request.headers['content-length'], maxBodyBytes);
    if (!bodies.reserve(bytes)) {
      throw ingestError(
        503,
        'overloaded',
        `more than ${config.ingest.maxInFlightBodyBytes} bytes of request bodies are being received ` +
          'and processed: nothing from this request was accepted. Retry the whole request after ' +
          'Retry-After seconds.',
        { 'retry-after': '1' },
      );
    }
    // 'close' comes once the answer is sent or the connection is gone, whichever way the request ends,
    // except on an answer queued behind a pipelined one when the connection goes first: Node never gives
    // it the connection nor closes it, so the connection's own 'close' gives those bytes back.
    const socket = request.raw.socket;
    let pending = unreleased.get(socket);
    if (pending === undefined) {
      const onSocket = new Set<() => void>();
      unreleased.set(socket, onSocket);
      socket.once('close', () => {
        for (const release of onSocket) release();
      });
      pending = onSocket;
    }
    const reservations = pending;
    const release = () => {
      if (reservations.delete(release)) bodies.release(bytes);
    };
    reservations.add(release);
    reply.raw.once('close', release);
  }

  function formatOf(request: FastifyRequest): BodyFormat {
    const type = request.headers['content-type'] ?? '';
    return type.toLowerCase().startsWith(NDJSON) ? 'ndjson' : 'json';
  }

  async function handle(route: Route, request: FastifyRequest, reply: FastifyReply) {
    const principal = principals.get(request)!;
    const platformId = principal.kind === 'platform' ? principal.platformId : undefined;
    const platformLabel = platformId ?? 'replay';
    request.logFields = { platform: platformLabel };
    if (typeof request.body !== 'string') {
      throw ingestError(415, 'unsupported_media_type', `send ${'application/json'} or ${NDJSON}`);
    }
    const receivedAtMs = clock();
    const body = parseBody(request.body, formatOf(request));
    const submitted = body.values.length;

    const rate = principal.kind === 'platform' ? principal.rateLimitPerSec : undefined;
    if (rate !== undefined) {
      const taken = limiter.take(platformLabel, rate, submitted);
      if (!taken.ok) {
        request.logFields = { platform: platformLabel, submitted };
        throw ingestError(
          429,
          'rate_limited',
          `over the rate limit of ${rate} events/s: nothing from this request was accepted; retry after ${taken.retryAfterSec} s`,
          { 'retry-after': String(taken.retryAfterSec) },
        );
      }
    }

    const secret = bearerToken(request.headers.authorization);
    const outcome = processBatch({
      body,
      source: route === 'events' ? 'ingest' : 'replay',
      ...(platformId !== undefined ? { platformId } : {}),
      receivedAtMs,
      topics,
      knownPlatforms,
      ...(secret !== null ? { secret } : {}),
    });

    const stopProduce = metrics.produce.startTimer();
    try {
      await log.send(outcome.records);
      stopProduce({ outcome: 'ok' });
    } catch (err) {
      stopProduce({ outcome: 'failed' });
      if (rate !== undefined) limiter.refund(platformLabel, rate, submitted);
      for (const [key, n] of outcome.eventCounts) {
        const [platform, type] = key.split('\u0000') as [string, string];
        metrics.events.inc({ platform, type, outcome: 'unavailable' }, n);
      }
      const code = isLogError(err) ? err.code : 'unexpected';
      // 'unavailable' is the expected infrastructure fault; anything else is worth an operator's look.
      const level = code === 'unavailable' ? 'warn' : 'error';
      request.log[level]({ err, code, records: outcome.records.length }, 'log append failed; answering 503');
      request.logFields = { platform: platformLabel, submitted, accepted: 0 };
      throw ingestError(
        503,
        'unavailable',
        'the event log is unavailable: nothing from this request was accepted. Retry the whole request after ' +
          'Retry-After seconds; resending events with the same ids is safe.',
        { 'retry-after': retryAfter },
      );
    }

    for (const [key, n] of outcome.eventCounts) {
      const [platform, type, result] = key.split('\u0000') as [string, string, string];
      metrics.events.inc({ platform, type, outcome: result }, n);
    }
    for (const [key, n] of outcome.codeCounts) {
      const [platform, code] = key.split('\u0000') as [string, string];
      metrics.rejections.inc({ platform, code }, n);
    }
    request.logFields = { platform: platformLabel, accepted: outcome.accepted, rejected: outcome.rejected };
    return reply
      .code(200)
      .send({ accepted: outcome.accepted, rejected: outcome.rejected, errors: outcome.errors });
  }

  return {
    register(app) {
      void app.register(async (scope) => {
        // Own parsers in this context only: the body is handed over as text and parsed by the route, so
        // NDJSON lines can fail one by one and the raw text of rejected events is available.
        scope.removeAllContentTypeParsers();
        scope.addContentTypeParser(
          'application/json',
          { parseAs: 'buffer', bodyLimit: maxBodyBytes },
          asText,
        );
        scope.addContentTypeParser(NDJSON, { parseAs: 'buffer', bodyLimit: maxBodyBytes }, asText);
        scope.addHook('onResponse', async (request, reply) => {
          const route = request.routeOptions.url === '/v1/replay/events' ? 'replay' : 'events';
          metrics.requests.observe({ route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
        });
        for (const [route, url] of [
          ['events', '/v1/events'],
          ['replay', '/v1/replay/events'],
        ] as const) {
          scope.post(url, { bodyLimit: maxBodyBytes, onRequest: authorize(route) }, (request, reply) =>
            handle(route, request, reply),
          );
        }
      });
    },
    async ready() {
      if (!log.isConnected()) {
        try {
          await log.connect();
        } catch (err) {
          logger.debug({ err }, 'log producer not connected yet');
        }
      }
      return log.isConnected();
    },
  };
}
