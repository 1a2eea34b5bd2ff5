import type { FastifyInstance } from 'fastify';
import { inScope } from '../auth-guard';
import { fromWarehouse, notFound } from '../errors';
import { jsonOnlyQuerySchema, sessionParamsSchema } from '../query-schemas';
import { parseParams, parseQuery } from '../validate';
import { renderSession } from '../views';
import type { RouteContext } from './context';

/** GET /v1/sessions/{platformId}/{sessionId}: the session's timeline; out of scope = unknown. */
export function registerSessionRoute(app: FastifyInstance, ctx: RouteContext) {
  app.get('/v1/sessions/:platformId/:sessionId', { config: { area: 'review' } }, async (request) => {
    const user = ctx.guard.userOf(request);
    const { platformId, sessionId } = parseParams(sessionParamsSchema, request.params);
    parseQuery(jsonOnlyQuerySchema, request.query);
    const missing = () => notFound(`no session ${sessionId} of platform ${platformId}`);
    // Checked before the read: a supervisor learns nothing, not even timing, about other platforms.
    if (!inScope(user, platformId)) throw missing();
    const timeline = await fromWarehouse('session', () => ctx.warehouse.getSession(platformId, sessionId));
    if (timeline === null) throw missing();
    return renderSession(platformId, sessionId, timeline);
  });
}
