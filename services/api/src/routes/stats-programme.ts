import { FLAG_KINDS } from '@hourglass/events';
import type { FastifyInstance } from 'fastify';
import { fromWarehouse } from '../errors';
import { hoursOf } from '../hours';
import { jsonOnlyQuerySchema } from '../query-schemas';
import { parseQuery } from '../validate';
import type { RouteContext } from './context';

/** Targets of the national programme (SPEC §5): at least this many platforms and occupations. */
export const PROGRAMME_TARGETS = { platforms: 50, occupations: 100 } as const;

/**
 * GET /v1/stats/programme (SPEC §5, issue 6): the programme's figures beside its targets, and
 * per-platform quality figures used to evaluate (and remove) platforms.
 */
export function registerProgrammeRoute(app: FastifyInstance, ctx: RouteContext) {
  app.get('/v1/stats/programme', { config: { area: 'stats' } }, async (request) => {
    parseQuery(jsonOnlyQuerySchema, request.query);
    const p = await fromWarehouse('programme', () => ctx.warehouse.programme());
    // Every kind is listed (0 when none) so consumers need not know which kinds exist.
    const flaggedSessionsByKind: Record<string, number> = {};
    for (const k of FLAG_KINDS) flaggedSessionsByKind[k] = p.flaggedSessionsByKind[k] ?? 0;
    return {
      platforms: {
        active: p.platformsActive,
        target: PROGRAMME_TARGETS.platforms,
        met: p.platformsActive >= PROGRAMME_TARGETS.platforms,
      },
      occupations: {
        covered: p.occupationsCovered,
        target: PROGRAMME_TARGETS.occupations,
        met: p.occupationsCovered >= PROGRAMME_TARGETS.occupations,
      },
      coursesCovered: p.coursesCovered,
      learners: p.learners,
      ...ctx.hours.render({ verified: p.verifiedMs }),
      flaggedSessionsByKind,
      certificates: { issued: p.certificatesIssued, backed: p.certificatesBacked },
      platformQuality: p.platforms.map((q) => ({
        platformId: q.platformId,
        acceptedEvents: q.acceptedEvents,
        rejectedEvents: q.rejectedEvents,
        rejectedEventRate: q.rejectedRate,
        verifiedHours: hoursOf(q.verifiedMs),
        withheldHours: hoursOf(q.withheldMs),
        flaggedTimeShare: q.flaggedTimeShare,
      })),
    };
  });
}
