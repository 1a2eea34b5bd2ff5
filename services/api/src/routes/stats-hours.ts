import type { HoursRow } from '@hourglass/warehouse';
import type { FastifyInstance } from 'fastify';
import { CSV_CONTENT_TYPE, csvStream, wantsCsv } from '../csv';
import { badRequest, fromWarehouse } from '../errors';
import { GROUPS, type GroupKey, hoursQuerySchema } from '../query-schemas';
import { parseQuery } from '../validate';
import type { RouteContext } from './context';

const FILTERS = ['platformId', 'region', 'occupation', 'courseId', 'learnerGroup', 'learnerId'] as const;
const AMOUNTS = ['verified', 'pending', 'rejected'] as const;

function compareRows(keys: readonly GroupKey[]) {
  return (a: HoursRow, b: HoursRow): number => {
    for (const k of keys) {
      const x = a[k] ?? '';
      const y = b[k] ?? '';
      // Keys are ASCII by their patterns: code-unit order is byte order, as ClickHouse sorts.
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };
}

/** GET /v1/stats/hours (SPEC §5): verified, pending and rejected hours, grouped and filtered. */
export function registerHoursRoute(app: FastifyInstance, ctx: RouteContext) {
  app.get('/v1/stats/hours', { config: { area: 'stats' } }, async (request, reply) => {
    const q = parseQuery(hoursQuerySchema, request.query);
    const groupBy = q.groupBy ?? [];
    const filters: Partial<Record<(typeof FILTERS)[number], string>> = {};
    for (const f of FILTERS) {
      const v = q[f];
      if (v !== undefined) filters[f] = v;
    }
    // One row past the bound tells a grouping over it from one that fills it exactly.
    let rows = await fromWarehouse('hours', () =>
      ctx.warehouse.queryHours({
        fromDay: q.from,
        toDay: q.to,
        groupBy,
        filters,
        limit: ctx.maxHoursRows + 1,
      }),
    );
    if (rows.length > ctx.maxHoursRows) {
      throw badRequest(
        `this grouping has more than ${ctx.maxHoursRows} rows, the most one answer holds: ` +
          'ask for fewer days, fewer groupBy keys, or add a filter (platformId, region, occupation, courseId, learnerGroup)',
      );
    }
    const keys = groupBy.map((g) => GROUPS[g]);
    // "none = one total row", also when nothing matched.
    if (keys.length === 0 && rows.length === 0)
      rows = [{ verifiedMs: 0, pendingMs: 0, rejectedMs: 0, learners: 0 }];
    // The SPEC's order is part of the contract; sorting here keeps both adapters equal by construction.
    rows.sort(compareRows(keys));

    const render = (r: HoursRow) => {
      const out: Record<string, unknown> = {};
      for (const k of keys) out[k] = r[k];
      Object.assign(
        out,
        ctx.hours.render({ verified: r.verifiedMs, pending: r.pendingMs, rejected: r.rejectedMs }),
      );
      out.learners = r.learners;
      return out;
    };

    if (wantsCsv(q.format, request.headers.accept)) {
      const columns = [...keys, ...ctx.hours.columns(AMOUNTS), 'learners'];
      const lazy = (function* () {
        for (const r of rows) yield render(r);
      })();
      return reply.type(CSV_CONTENT_TYPE).send(csvStream(columns, lazy, (o) => columns.map((c) => o[c])));
    }
    return { rows: rows.map(render) };
  });
}
