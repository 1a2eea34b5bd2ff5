import { randomUUID } from 'node:crypto';
import type { DecisionRecord } from '@hourglass/events';
import { isLogError, type LogProducer } from '@hourglass/log';
import { type FlagView, invalidRows } from '@hourglass/warehouse';
import type { FastifyInstance } from 'fastify';
import { inScope } from '../auth-guard';
import { badRequest, conflict, fromWarehouse, notFound, unavailable } from '../errors';
import { createKeyedLock } from '../keyed-lock';
import { decisionBodySchema, flagParamsSchema, jsonOnlyQuerySchema } from '../query-schemas';
import { parseBody, parseParams, parseQuery } from '../validate';
import { renderFlag } from '../views';
import type { RouteContext } from './context';

export interface DecisionContext extends RouteContext {
  producer: LogProducer;
  topic: string;
  clock: () => number;
}

/**
 * POST /v1/flags/{flagId}/decision. The decisions topic is the audit trail and the source of truth:
 * the decision is answered only once it is durably there. It is then also written to the warehouse
 * directly (idempotent by decisionId; the aggregator writes the same record from the topic), so the
 * very next read already reflects it.
 */
export function registerDecisionRoute(app: FastifyInstance, ctx: DecisionContext) {
  // One decision per flag at a time in this process, so the open → decided check cannot race itself.
  const lock = createKeyedLock();
  // Decisions in the log that the warehouse could not take when they were made (the aggregator writes them
  // later). The next decision on the flag writes them first, so it sees the flag decided, as it is.
  const unwritten = new Map<string, DecisionRecord[]>();

  app.post('/v1/flags/:flagId/decision', { config: { area: 'review' } }, async (request) => {
    const user = ctx.guard.userOf(request);
    const { flagId } = parseParams(flagParamsSchema, request.params);
    parseQuery(jsonOnlyQuerySchema, request.query);
    const body = parseBody(decisionBodySchema, request.body);

    return lock.run(flagId, async () => {
      const owed = unwritten.get(flagId);
      if (owed !== undefined) {
        await fromWarehouse('decision', () => ctx.warehouse.insertDecisions(owed));
        unwritten.delete(flagId);
      }
      const flag = await fromWarehouse('flag', () => ctx.warehouse.getFlag(flagId));
      if (flag === null || !inScope(user, flag.platformId)) throw notFound(`no flag ${flagId}`);
      if (flag.status !== 'open') {
        throw conflict(
          `flag ${flagId} is already ${flag.status} and has no withheld time after its last decision; ` +
            'a new decision is possible once new withheld time reopens it',
        );
      }
      const record: DecisionRecord = {
        decisionId: randomUUID(),
        flagId,
        decision: body.decision,
        note: body.note,
        by: user.name,
        atMs: decisionTime(ctx.clock(), flag),
        // Everything the flag has withheld so far; later withheld time reopens it.
        coversUntilMs: await coveredUntil(ctx, flag),
      };
      // A record the warehouse would refuse must not reach the audit trail: the aggregator would skip it,
      // and the answer would say decided while the flag stays open. The body's schema refuses what it
      // can name; this is the last word.
      const refused = invalidRows('decisions', [record]);
      if (refused.length > 0) throw badRequest(refused.map((r) => r.reason).join('; '));
      try {
        await ctx.producer.send([{ topic: ctx.topic, key: flagId, value: JSON.stringify(record) }]);
      } catch (err) {
        ctx.metrics.decisionFailures.inc();
        if (isLogError(err, 'unavailable') || isLogError(err, 'closed')) {
          ctx.logger.warn({ err, flagId }, 'decision not recorded: decisions log unavailable');
          throw unavailable('the decisions log is unavailable; the decision was not recorded, retry later');
        }
        throw err;
      }
      ctx.metrics.decisions.inc({ decision: record.decision });
      ctx.logger.info(
        { flagId, decisionId: record.decisionId, decision: record.decision, by: record.by },
        'decision recorded',
      );
      return renderFlag(await visibleAfter(ctx, flag, record, () => unwritten.set(flagId, [record])));
    });
  });
}

/**
 * A decision's place among the flag's decisions is its time (semantics.ts: the first decision whose cover
 * reaches a segment governs it). The flag is decided only while open, so every earlier decision on it is in
 * `flag.decisions`; this one is placed after them even if this process's clock is behind (a step back, or
 * another API process recorded them), so the reject of a reopened part never takes over an approved part.
 */
function decisionTime(now: number, flag: FlagView): number {
  let at = now;
  for (const d of flag.decisions) if (d.atMs >= at) at = d.atMs + 1;
  return at;
}

/**
 * How far a decision on the flag reaches: its withheld segments the warehouse holds now were all created
 * before the decision (SPEC §4 Review). Segments and flag updates come through different topics, so the
 * stored flag's lastAt can lag behind segments already stored; the end of the latest of them counts too.
 */
async function coveredUntil(ctx: DecisionContext, flag: FlagView): Promise<number> {
  const timeline = await fromWarehouse('session', () =>
    ctx.warehouse.getSession(flag.platformId, flag.sessionId),
  );
  let until = flag.lastAtMs;
  for (const s of timeline?.segments ?? []) {
    if (s.endMs > until && s.flagIds.includes(flag.flagId)) until = s.endMs;
  }
  return until;
}

/**
 * The flag as it is after the decision. If the warehouse cannot take the decision or be read right
 * now, the decision is still recorded (the aggregator applies it from the log), so the answer is
 * built from what is known instead of failing a decision that did happen.
 */
async function visibleAfter(
  ctx: DecisionContext,
  before: FlagView,
  record: DecisionRecord,
  notWritten: () => void,
): Promise<FlagView> {
  try {
    try {
      await ctx.warehouse.insertDecisions([record]);
    } catch (err) {
      notWritten();
      throw err;
    }
    const after = await ctx.warehouse.getFlag(before.flagId);
    if (after !== null) return after;
  } catch (err) {
    ctx.logger.warn(
      { err, flagId: before.flagId, decisionId: record.decisionId },
      'decision recorded in the log but not yet in the warehouse; the aggregator will apply it',
    );
  }
  return {
    ...before,
    status: record.decision === 'approve' ? 'approved' : 'rejected',
    decidedUntilMs: record.coversUntilMs,
    decisions: [...before.decisions, record],
  };
}
