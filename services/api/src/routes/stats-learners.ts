import { toIso } from '@hourglass/events';
import type { FastifyInstance } from 'fastify';
import { CSV_CONTENT_TYPE, csvStream, wantsCsv } from '../csv';
import { fromWarehouse } from '../errors';
import { hoursOf } from '../hours';
import { learnerParamsSchema, learnerQuerySchema } from '../query-schemas';
import { parseParams, parseQuery } from '../validate';
import type { RouteContext } from './context';

const AMOUNTS = ['verified', 'pending', 'rejected'] as const;

/**
 * GET /v1/stats/learners/{learnerId} (SPEC §5): totals per (platform, course) within the optional
 * day range, and every certificate with whether the learner's verified hours on that course (all
 * platforms, all days) back it. A learner without data answers 200 with empty lists: pseudonyms are
 * not enumerable through this endpoint either way, and "no hours" is a valid answer.
 */
export function registerLearnerRoute(app: FastifyInstance, ctx: RouteContext) {
  app.get('/v1/stats/learners/:learnerId', { config: { area: 'stats' } }, async (request, reply) => {
    const { learnerId } = parseParams(learnerParamsSchema, request.params);
    const q = parseQuery(learnerQuerySchema, request.query);
    const totals = await fromWarehouse('learner totals', () =>
      ctx.warehouse.learnerTotals(learnerId, q.from, q.to),
    );
    const rows = totals.rows.map((r) => ({
      platformId: r.platformId,
      courseId: r.courseId,
      ...ctx.hours.render({ verified: r.verifiedMs, pending: r.pendingMs, rejected: r.rejectedMs }),
    }));

    if (wantsCsv(q.format, request.headers.accept)) {
      const columns = ['platformId', 'courseId', ...ctx.hours.columns(AMOUNTS)];
      return reply
        .type(CSV_CONTENT_TYPE)
        .send(csvStream(columns, rows, (r) => columns.map((c) => (r as Record<string, unknown>)[c])));
    }
    return {
      learnerId,
      from: q.from ?? null,
      to: q.to ?? null,
      totals: rows,
      certificates: totals.certificates.map((c) => ({
        certificateId: c.certificateId,
        platformId: c.platformId,
        courseId: c.courseId,
        requiredHours: c.requiredHours,
        issuedAt: toIso(c.issuedAtMs),
        courseVerifiedHours: hoursOf(c.verifiedMsOnCourse),
        backed: c.backed,
      })),
    };
  });
}
