import { type AcceptedEvent, IDENTIFIER, PLATFORM_ID } from '@hourglass/events';
import { UsageError } from '../errors';
import { CLIENTS, COURSES, cadenceOf, drawProfile } from './catalogue';
import { cheater, deviceFarm, SPAN_MS } from './cheaters';
import { honestLearner } from './honest';
import type { LearnerCtx, PlatformInfo } from './learner';
import { createRng, type Rng } from './prng';
import { FARM_SIZE, type Label, labelOf, planCheaters, type Scenario } from './scenarios';
import { iso } from './session';
import { byDelivery, createTimeline, type Timeline } from './timeline';

/** The longest scenario needs about 13 minutes from its first event to its last delivery. */
export const MIN_MINUTES = 15;
/**
 * The traffic is generated whole before it is sent, ~1 KB of memory per event and ~2 events per
 * learner-minute: a million learner-minutes is ~2 GB at most. Beyond it the command is refused, not
 * left to run out of memory after minutes of generating.
 */
export const MAX_LEARNER_MINUTES = 1_000_000;

export interface TrafficOptions {
  /** How many platforms take part. */
  platforms: number;
  /** Ids to use, the first `platforms` of them (they must be configured on the server); default p01, p02, … */
  platformIds?: readonly string[];
  learners: number;
  /** Simulated duration; every event happens and is delivered within [startMs, startMs + minutes). */
  minutes: number;
  /** Fraction of learners that cheat, 0..1. */
  cheaters: number;
  seed: number;
  startMs: number;
  /** Prefix of learner and device ids; default `sim<seed>`. Another prefix gives an independent population. */
  idPrefix?: string;
}

export interface Traffic {
  /** In delivery order (receivedAt, then time): the order to send them in. */
  events: AcceptedEvent[];
  labels: Map<string, Label>;
  platformIds: string[];
  startMs: number;
  endMs: number;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new UsageError(message);
}

function platformsOf(opts: TrafficOptions): string[] {
  check(Number.isInteger(opts.platforms) && opts.platforms >= 1, 'platforms must be an integer ≥ 1');
  const ids =
    opts.platformIds?.slice(0, opts.platforms) ??
    Array.from({ length: opts.platforms }, (_, i) => `p${String(i + 1).padStart(2, '0')}`);
  check(
    ids.length === opts.platforms,
    `platforms is ${opts.platforms} but only ${ids.length} ids were given`,
  );
  check(new Set(ids).size === ids.length, 'platform ids must be distinct');
  for (const id of ids) check(PLATFORM_ID.test(id), `not a platform id: ${id}`);
  return ids;
}

/**
 * Generates labelled traffic: each learner plays one scenario (honest or one way of cheating). The same
 * options always give the same events, ids included.
 */
export function generateTraffic(opts: TrafficOptions): Traffic {
  const platformIds = platformsOf(opts);
  check(Number.isInteger(opts.learners) && opts.learners >= 1, 'learners must be an integer ≥ 1');
  check(opts.minutes >= MIN_MINUTES, `minutes must be at least ${MIN_MINUTES} (the longest scenario's span)`);
  check(
    opts.learners * opts.minutes <= MAX_LEARNER_MINUTES,
    `learners × minutes must be at most ${MAX_LEARNER_MINUTES} (the traffic is generated in memory first), got ${opts.learners * opts.minutes}`,
  );
  check(opts.cheaters >= 0 && opts.cheaters <= 1, 'cheaters is a fraction between 0 and 1');
  check(Number.isInteger(opts.seed), 'seed must be an integer');
  check(Number.isFinite(opts.startMs), 'startMs must be a finite epoch millisecond');
  const prefix = opts.idPrefix ?? `sim${opts.seed}`;
  check(IDENTIFIER.test(`${prefix}-L0.d1`) && prefix.length <= 64, `not a usable id prefix: ${prefix}`);

  const platforms: PlatformInfo[] = platformIds.map((platformId, i) => ({
    platformId,
    intervalSec: cadenceOf(i),
  }));
  const startMs = opts.startMs;
  const endMs = startMs + Math.round(opts.minutes * 60_000);
  const master = createRng(opts.seed);
  const timeline = createTimeline();
  const width = Math.max(4, String(opts.learners).length);
  const contexts: LearnerCtx[] = [];
  for (let i = 0; i < opts.learners; i++) {
    const rng = master.fork();
    contexts.push(learnerCtx(`${prefix}-L${String(i + 1).padStart(width, '0')}`, rng, timeline, platforms));
  }

  // Cheaters are spread over the population rather than being the first or last ids.
  const order = master.shuffle(contexts.map((_, i) => i));
  const plan = planCheaters(Math.round(opts.learners * opts.cheaters), platforms.length);
  const scenarios: Scenario[] = contexts.map(() => 'honest');
  plan.forEach((s, k) => {
    scenarios[order[k] as number] = s;
  });

  const placeRng = master.fork();
  const place = (spanMs: number) => startMs + placeRng.int(0, Math.max(0, endMs - startMs - spanMs));
  const labels = new Map<string, Label>();
  let farms = 0;
  for (let k = 0; k < plan.length; ) {
    const scenario = plan[k];
    if (scenario === 'device_farm') {
      const members = order.slice(k, k + FARM_SIZE).map((i) => contexts[i] as LearnerCtx);
      const first = members[0] as LearnerCtx;
      // One device of one operator: same platform, same course for every account on it.
      for (const m of members) Object.assign(m, { home: first.home, course: first.course });
      farms += 1;
      deviceFarm(members, place(SPAN_MS.device_farm), `${prefix}.farm${farms}`);
      k += FARM_SIZE;
    } else if (scenario) {
      const ctx = contexts[order[k] as number] as LearnerCtx;
      cheater(scenario, ctx, place(SPAN_MS[scenario]));
      k += 1;
    } else break;
  }
  contexts.forEach((ctx, i) => {
    const scenario = scenarios[i] ?? 'honest';
    if (scenario === 'honest') honestLearner(ctx, startMs, endMs);
    labels.set(ctx.learnerId, labelOf(scenario));
  });

  const events = timeline.records
    .sort(byDelivery)
    .map((r) => ({ ...r.event, receivedAt: iso(r.receivedAtMs) }) as AcceptedEvent);
  return { events, labels, platformIds, startMs, endMs };
}

function learnerCtx(
  learnerId: string,
  rng: Rng,
  timeline: Timeline,
  platforms: readonly PlatformInfo[],
): LearnerCtx {
  return {
    learnerId,
    rng,
    timeline,
    profile: drawProfile(rng),
    home: rng.pick(platforms),
    platforms,
    course: rng.pick(COURSES),
    client: rng.pick(CLIENTS),
    rate: rng.pick([1, 1, 1, 1.25, 1.5]),
    receipt: (t) => t + rng.int(200, 4000),
  };
}
