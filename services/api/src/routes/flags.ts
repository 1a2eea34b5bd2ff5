import { isWarehouseError } from '@hourglass/warehouse';
import type { FastifyInstance } from 'fastify';
import { inScope, scopeOf } from '../auth-guard';
import { CSV_CONTENT_TYPE, csvStream, wantsCsv } from '../csv';
import { badRequest, fromWarehouse, notFound } from '../errors';
import {
  DEFAULT_FLAGS_LIMIT,
  flagParamsSchema,
  flagsQuerySchema,
  jsonOnlyQuerySchema,
} from '../query-schemas';
import { parseParams, parseQuery } from '../validate';
import { FLAG_COLUMNS, flagCells, renderFlag } from '../views';
import type { RouteContext } from './context';

// The warehouse's cursor is already opaque base64url; it is passed through and validated there.
const BAD_CURSOR = 'cursor: must be a nextCursor returned by this endpoint';

export function registerFlagRoutes(app: FastifyInstance, ctx: RouteContext) {
  /** GET /v1/flags: the caller's scope only; a platformId outside it simply matches nothing. */
  app.get('/v1/flags', { config: { area: 'review' } }, async (request, reply) => {
    const user = ctx.guard.userOf(request);
    const q = parseQuery(flagsQuerySchema, request.query);
    let page: { flags: ReturnType<typeof renderFlag>[]; nextCursor: string | null };
    if (q.platformId !== undefined && !inScope(user, q.platformId)) {
      page = { flags: [], nextCursor: null };
    } else {
      const result = await fromWarehouse('flags', async () => {
        try {
          return await ctx.warehouse.listFlags({
            status: q.status,
            kind: q.kind,
            platformId: q.platformId,
            learnerId: q.learnerId,
            scope: scopeOf(user),
            limit: q.limit ?? DEFAULT_FLAGS_LIMIT,
            cursor: q.cursor,
          });
        } catch (err) {
          if (isWarehouseError(err, 'invalid') && q.cursor !== undefined) throw badRequest(BAD_CURSOR);
          throw err;
        }
      });
      page = {
        flags: result.flags.map(renderFlag),
        nextCursor: result.nextCursor,
      };
    }
    if (wantsCsv(q.format, request.headers.accept)) {
      if (page.nextCursor !== null) void reply.header('x-next-cursor', page.nextCursor);
      return reply.type(CSV_CONTENT_TYPE).send(csvStream(FLAG_COLUMNS, page.flags, flagCells));
    }
    return page;
  });

  /** GET /v1/flags/{flagId}: outside the caller's scope it answers exactly like an unknown flag. */
  app.get('/v1/flags/:flagId', { config: { area: 'review' } }, async (request) => {
    const user = ctx.guard.userOf(request);
    const { flagId } = parseParams(flagParamsSchema, request.params);
    parseQuery(jsonOnlyQuerySchema, request.query);
    const flag = await fromWarehouse('flag', () => ctx.warehouse.getFlag(flagId));
    if (flag === null || !inScope(user, flag.platformId)) throw notFound(`no flag ${flagId}`);
    return renderFlag(flag);
  });
}
