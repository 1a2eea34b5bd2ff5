import { certificate, type LearnerCtx, openSession, type PlatformInfo } from './learner';
import type { SessionBuilder } from './session';

/** Kept free at the window's end for the last session's end, its delivery and the certificate. */
const TAIL_MS = 150_000;
const MIN_SESSION_MS = 4 * 60_000;
const MAX_SESSION_MS = 20 * 60_000;
/**
 * Longest inactive stretch of an honest learner, from the last active heartbeat to the last inactive
 * one. Kept well below the default idleTimeoutSec (300 s) so that breaks, jitter included, stay engaged.
 */
const MAX_BREAK_SEC = 240;

/**
 * An honest learner: one to three sessions one after another (sometimes on a second platform), active
 * heartbeats with short breaks, a quiz taken at a normal pace, and a certificate claiming no more
 * than the time actually studied. Under SPEC §4's default policy none of this raises a flag.
 */
export function honestLearner(ctx: LearnerCtx, windowStartMs: number, windowEndMs: number): void {
  const { rng } = ctx;
  let cursor = windowStartMs + rng.int(0, 180_000);
  let platform = ctx.home;
  let studiedMs = 0;
  let last: { platform: PlatformInfo; endMs: number } | null = null;
  for (let n = 1; n <= 3; n++) {
    const room = windowEndMs - TAIL_MS - cursor;
    if (room < MIN_SESSION_MS) break;
    const durationMs = rng.int(MIN_SESSION_MS, Math.min(MAX_SESSION_MS, room));
    // Two devices of one learner are still that learner's own; only other learners count as sharing.
    const session = openSession({
      ctx,
      n,
      startMs: cursor,
      platform,
      deviceId: `${ctx.learnerId}.d${rng.int(1, 2)}`,
    });
    study(ctx, session, Math.floor(durationMs / (platform.intervalSec * 1000)));
    const endMs = session.end(rng.chance(0.8) ? 'completed' : 'exited');
    studiedMs += endMs - cursor;
    last = { platform, endMs };
    // The next session starts after this one ended, so the learner never has two live sessions.
    cursor = endMs + rng.int(60_000, 300_000);
    if (ctx.platforms.length > 1 && rng.chance(0.25)) {
      platform = rng.pick(ctx.platforms.filter((p) => p.platformId !== platform.platformId));
    }
  }
  const hours = Math.floor((studiedMs / 3_600_000) * 20) / 20;
  if (last && hours >= 0.1) {
    certificate(ctx, last.platform.platformId, last.endMs + rng.int(5_000, 60_000), hours);
  }
}

/**
 * `n` heartbeats of honest study. Breaks (away from the desk, or another tab) are followed by at least
 * one active heartbeat and never fall in the last two, so session.end follows recent activity.
 */
function study(ctx: LearnerCtx, session: SessionBuilder, n: number): void {
  const { rng } = ctx;
  const breakMax = Math.floor(MAX_BREAK_SEC / session.spec.intervalSec);
  const quizAfter = n >= 4 && rng.chance(0.6) ? rng.int(1, n - 3) : -1;
  let justBroke = false;
  for (let i = 0; i < n; ) {
    if (!justBroke && i >= 2 && breakMax >= 1 && rng.chance(0.08)) {
      const k = rng.int(1, breakMax);
      if (i + k <= n - 2) {
        session.beats(k, rng.chance(0.5) ? 'away' : 'hidden');
        i += k;
        justBroke = true;
        continue;
      }
    }
    session.beat('active', rng.chance(0.05) ? 'passed' : undefined);
    if (i === quizAfter) session.quiz(rng.int(5, 20), rng.real(5, 12));
    justBroke = false;
    i++;
  }
}
