import {
  beatsAtLeast,
  beatsFor,
  certificate,
  type LearnerCtx,
  openSession,
  type PlatformInfo,
} from './learner';
import type { CheatScenario } from './scenarios';
import { quizEvent } from './session';

/**
 * One function per cheat scenario. Apart from its one manipulation each cheater studies like an honest
 * learner (active heartbeats, on-time delivery, own devices), so it raises its labelled kinds and
 * nothing else under SPEC §4's default policy.
 */

/** Inactive stretch of idlers: comfortably past idleTimeoutSec (300 s) so part of it is idle. */
function idleSeconds(ctx: LearnerCtx): number {
  return ctx.rng.int(390, 450);
}

/** Claims the whole session as study time, so the certificate is not backed. */
function claimAll(ctx: LearnerCtx, startMs: number, endMs: number): void {
  const hours = Math.ceil(((endMs - startMs) / 3_600_000) * 20) / 20;
  certificate(ctx, ctx.home.platformId, endMs + ctx.rng.int(5_000, 30_000), hours);
}

function idler(ctx: LearnerCtx, startMs: number): void {
  const s = openSession({ ctx, n: 1, startMs });
  const iv = s.spec.intervalSec;
  s.beats(beatsFor(90, iv), 'active')
    .beats(beatsAtLeast(idleSeconds(ctx), iv), 'away')
    .beats(beatsFor(60, iv), 'active');
  claimAll(ctx, startMs, s.end('timeout'));
}

/** The video plays in a tab nobody looks at: media advances but focus is false. */
function backgroundTab(ctx: LearnerCtx, startMs: number): void {
  const s = openSession({ ctx, n: 1, startMs });
  const iv = s.spec.intervalSec;
  s.beats(beatsFor(90, iv), 'active')
    .beats(beatsAtLeast(idleSeconds(ctx), iv), 'background')
    .beats(beatsFor(60, iv), 'active');
  claimAll(ctx, startMs, s.end());
}

function presenceFailed(ctx: LearnerCtx, startMs: number): void {
  const s = openSession({ ctx, n: 1, startMs });
  const iv = s.spec.intervalSec;
  s.beats(beatsFor(120, iv), 'active').beat('presence_failed').beats(beatsFor(60, iv), 'active');
  if (ctx.rng.chance(0.5)) s.beat('presence_failed').beats(beatsFor(60, iv), 'active');
  s.end();
}

/**
 * Two overlapping sessions of one learner on two devices; the second begins while the first is live,
 * so its overlap is withheld. `other` puts the second on another platform.
 */
function concurrent(ctx: LearnerCtx, startMs: number, other: PlatformInfo): void {
  const first = openSession({ ctx, n: 1, startMs });
  first.beats(beatsFor(360, first.spec.intervalSec), 'active').end();
  const second = openSession({
    ctx,
    n: 2,
    startMs: startMs + ctx.rng.int(90_000, 150_000),
    platform: other,
    deviceId: `${ctx.learnerId}.d2`,
  });
  second.beats(beatsFor(180, second.spec.intervalSec), 'active').end();
}

/**
 * An app that studied offline and uploads the whole session minutes later: every event reaches the
 * platform more than maxDelaySec (120 s) after it happened. Events keep their order, 5 ms apart.
 */
function lateUpload(ctx: LearnerCtx, startMs: number): void {
  const mark = ctx.timeline.mark();
  const s = openSession({ ctx, n: 1, startMs });
  s.beats(beatsFor(240, s.spec.intervalSec), 'active');
  const endMs = s.end();
  const uploadMs = endMs + ctx.rng.int(180_000, 360_000);
  ctx.timeline
    .since(mark)
    .sort((a, b) => a.timeMs - b.timeMs)
    .forEach((r, i) => {
      r.receivedAtMs = uploadMs + i * 5;
    });
}

function replayedHeartbeat(ctx: LearnerCtx, startMs: number): void {
  const s = openSession({ ctx, n: 1, startMs });
  const iv = s.spec.intervalSec;
  s.beats(Math.max(2, beatsFor(120, iv)), 'active')
    .replayPrevious()
    .beats(beatsFor(120, iv), 'active')
    .end();
}

function seeker(ctx: LearnerCtx, startMs: number): void {
  const s = openSession({ ctx, n: 1, startMs });
  const iv = s.spec.intervalSec;
  s.beats(beatsFor(90, iv), 'watch').beat('seek').beats(beatsFor(90, iv), 'active').end();
}

function fastPlayback(ctx: LearnerCtx, startMs: number): void {
  const s = openSession({ ctx, n: 1, startMs });
  const iv = s.spec.intervalSec;
  s.beats(beatsFor(60, iv), 'watch').beats(beatsFor(120, iv), 'fast').beats(beatsFor(60, iv), 'active').end();
}

function quizTooFast(ctx: LearnerCtx, startMs: number): void {
  const s = openSession({ ctx, n: 1, startMs });
  const iv = s.spec.intervalSec;
  // Under 3 s per question: answers clicked through without reading.
  s.beats(beatsFor(120, iv), 'active')
    .quiz(ctx.rng.int(15, 30), ctx.rng.real(0.5, 1.5))
    .beats(beatsFor(120, iv), 'active')
    .end();
}

/** A quiz submitted minutes after the learner's only session ended, under a session that never began. */
function quizOutsideSession(ctx: LearnerCtx, startMs: number): void {
  const s = openSession({ ctx, n: 1, startMs });
  const endMs = s.beats(beatsFor(180, s.spec.intervalSec), 'active').end();
  const t = endMs + ctx.rng.int(240_000, 480_000);
  const sessionId = `${ctx.learnerId}.s2`;
  ctx.timeline.push(
    quizEvent(
      ctx.rng,
      { ...s.spec },
      sessionId,
      `${sessionId}.quiz1`,
      t,
      ctx.rng.int(5, 20),
      ctx.rng.real(5, 10),
    ),
    t,
    ctx.receipt(t),
  );
}

const FARM_ROUNDS = 3;
const FARM_ROUND_MS = 200_000;
const FARM_STAGGER_MS = 20_000;

/**
 * A device farm: several accounts take turns on one device, each starting a short session per round.
 * The first deviceShareLimit accounts to start are within the limit in round one, but every account's
 * later starts see all the others on the device, so each account is flagged at least once.
 */
export function deviceFarm(members: readonly LearnerCtx[], startMs: number, deviceId: string): void {
  for (let round = 0; round < FARM_ROUNDS; round++) {
    members.forEach((ctx, i) => {
      const t = startMs + round * FARM_ROUND_MS + i * FARM_STAGGER_MS;
      const s = openSession({ ctx, n: round + 1, startMs: t, deviceId });
      s.beats(beatsFor(120, s.spec.intervalSec), 'active').end();
    });
  }
}

/** Upper bounds of the time each scenario needs, from its first event to its last delivery. */
export const SPAN_MS: Readonly<Record<CheatScenario, number>> = {
  idler: 13 * 60_000,
  background_tab: 13 * 60_000,
  presence_failed: 7 * 60_000,
  concurrent_devices: 8 * 60_000,
  concurrent_platforms: 8 * 60_000,
  late_upload: 12 * 60_000,
  replayed_heartbeat: 6 * 60_000,
  seeker: 7 * 60_000,
  fast_playback: 6 * 60_000,
  quiz_too_fast: 6 * 60_000,
  quiz_outside_session: 13 * 60_000,
  device_farm: 12 * 60_000,
};

type Single = Exclude<CheatScenario, 'device_farm'>;

const SINGLES: Readonly<Record<Single, (ctx: LearnerCtx, startMs: number) => void>> = {
  idler,
  background_tab: backgroundTab,
  presence_failed: presenceFailed,
  concurrent_devices: (ctx, startMs) => concurrent(ctx, startMs, ctx.home),
  concurrent_platforms: (ctx, startMs) =>
    concurrent(ctx, startMs, ctx.rng.pick(ctx.platforms.filter((p) => p.platformId !== ctx.home.platformId))),
  late_upload: lateUpload,
  replayed_heartbeat: replayedHeartbeat,
  seeker,
  fast_playback: fastPlayback,
  quiz_too_fast: quizTooFast,
  quiz_outside_session: quizOutsideSession,
};

/** Generates one cheater of a single-learner scenario. */
export function cheater(scenario: Single, ctx: LearnerCtx, startMs: number): void {
  SINGLES[scenario](ctx, startMs);
}
