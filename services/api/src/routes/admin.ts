import type { FastifyInstance } from 'fastify';
import type { PipelineStatus } from '../api';
import { unavailable } from '../errors';
import { jsonOnlyQuerySchema } from '../query-schemas';
import { parseQuery } from '../validate';
import type { RouteContext } from './context';

export function registerAdminRoutes(
  app: FastifyInstance,
  ctx: RouteContext & { pipelineStatus: () => Promise<PipelineStatus> },
) {
  app.get('/v1/admin/pipeline', { config: { area: 'admin' } }, async (request) => {
    parseQuery(jsonOnlyQuerySchema, request.query);
    let status: PipelineStatus;
    try {
      status = await ctx.pipelineStatus();
    } catch (err) {
      // Not knowing is not "caught up": say so rather than guess.
      ctx.logger.warn({ err }, 'pipeline status unavailable');
      throw unavailable('pipeline status is unavailable (a stage or the log cannot be reached)');
    }
    return { caughtUp: status.caughtUp, stages: status.stages };
  });
}
