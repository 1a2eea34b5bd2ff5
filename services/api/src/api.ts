import type { topicNames } from '@hourglass/events';
import type { LogProducer } from '@hourglass/log';
import { type Config, createAuthenticator, errorHandler } from '@hourglass/runtime';
import type { Warehouse } from '@hourglass/warehouse';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { createAuthGuard } from './auth-guard';
import { createHoursRenderer } from './hours';
import { createApiMetrics } from './metrics';
import { registerAdminRoutes } from './routes/admin';
import type { RouteContext } from './routes/context';
import { registerDecisionRoute } from './routes/decision';
import { registerFlagRoutes } from './routes/flags';
import { registerOpenApiRoute } from './routes/openapi';
import { registerSessionRoute } from './routes/sessions';
import { registerHoursRoute } from './routes/stats-hours';
import { registerLearnerRoute } from './routes/stats-learners';
import { registerProgrammeRoute } from './routes/stats-programme';

export interface ApiLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface PipelineStatus {
  caughtUp: boolean;
  stages: unknown[];
}

export interface ApiOptions {
  config: Config;
  warehouse: Warehouse;
  /** Producer of the decisions topic: a decision is answered only once it is durably in the log. */
  decisions: LogProducer;
  topics: Pick<ReturnType<typeof topicNames>, 'decisions'>;
  registry: Registry;
  logger: ApiLogger;
  /** Time of decisions (ms since epoch); tests pin it. */
  clock?: () => number;
  pipelineStatus: () => Promise<PipelineStatus>;
  /**
   * Rows one stats/hours answer may hold (default 1,000,000, ~150 MB of JSON); a grouping with more is
   * refused with 400 naming the bound, before anything is rendered.
   */
  maxHoursRows?: number;
}

export const DEFAULT_MAX_HOURS_ROWS = 1_000_000;

/**
 * The query API of SPEC §5 (supervisors, statisticians, admins). `register` mounts its routes, in
 * their own encapsulated plugin, on a server made by runtime's createHttpServer (which brings
 * /healthz, /readyz, /metrics); the all-in-one `hourglass start` and src/main.ts both do that.
 */
export function createApi(options: ApiOptions) {
  const ctx: RouteContext = {
    warehouse: options.warehouse,
    guard: createAuthGuard({ authenticator: createAuthenticator(options.config) }),
    hours: createHoursRenderer({ classHourMinutes: options.config.classHourMinutes }),
    metrics: createApiMetrics(options.registry),
    logger: options.logger,
    timeZone: options.config.timezone,
    maxHoursRows: options.maxHoursRows ?? DEFAULT_MAX_HOURS_ROWS,
  };
  return {
    register(app: FastifyInstance): void {
      void app.register(async (scope) => {
        // Same rendering as the server's own handler, also when mounted on another Fastify instance.
        scope.setErrorHandler(errorHandler);
        // The only body is the decision, JSON: anything else is 415 rather than a parsed string.
        scope.removeContentTypeParser('text/plain');
        scope.addHook('onRequest', async (request) => ctx.guard.check(request));
        // Answers depend on the caller and change with every decision: never cache them on the way.
        scope.addHook('onSend', async (_request, reply, payload) => {
          void reply.header('cache-control', 'no-store');
          return payload;
        });
        scope.addHook('onResponse', async (request, reply) => {
          const route = request.routeOptions.url;
          if (route !== undefined) {
            ctx.metrics.requests.observe(
              { route: `${request.method} ${route}`, status: String(reply.statusCode) },
              reply.elapsedTime / 1000,
            );
          }
        });
        registerHoursRoute(scope, ctx);
        registerLearnerRoute(scope, ctx);
        registerProgrammeRoute(scope, ctx);
        registerFlagRoutes(scope, ctx);
        registerSessionRoute(scope, ctx);
        registerDecisionRoute(scope, {
          ...ctx,
          producer: options.decisions,
          topic: options.topics.decisions,
          clock: options.clock ?? Date.now,
        });
        registerAdminRoutes(scope, { ...ctx, pipelineStatus: options.pipelineStatus });
        registerOpenApiRoute(scope);
      });
    },
  };
}
export type Api = ReturnType<typeof createApi>;
