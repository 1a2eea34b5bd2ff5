import type { FastifyInstance } from 'fastify';
import { buildOpenApi } from '../openapi';

/** Public: the document describes the API and holds nothing secret, so clients can fetch it before they have a token. */
export function registerOpenApiRoute(app: FastifyInstance) {
  let document: Record<string, unknown> | undefined;
  app.get('/v1/openapi.json', async (_request, reply) => {
    document ??= buildOpenApi();
    return reply.type('application/json; charset=utf-8').send(document);
  });
}
