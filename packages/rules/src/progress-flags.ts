import type { HeartbeatEvent, QuizSubmittedEvent } from '@hourglass/events';
import type { FlagHit } from './flags';
import { advanceMicros, micros } from './micros';
import type { Policy } from './policy';

/**
 * Progress manipulation (SPEC §4): these flags withhold nothing. Seeking counts any forward movement of
 * the position, playing or not: a jump is a jump.
 */

function hit(kind: FlagHit['kind'], eventId: string, tMs: number, note: string): FlagHit {
  return { kind, withheldMs: 0, evidence: [{ eventId, atMs: tMs, note }] };
}

export function seekAhead(
  h: HeartbeatEvent,
  tMs: number,
  pMs: number,
  prevMediaPosSec: number | null,
  policy: Policy,
): FlagHit | null {
  if (h.media === undefined || prevMediaPosSec === null) return null;
  const advancedUs = advanceMicros(h.media.positionSec, prevMediaPosSec);
  const allowedUs = Math.round((tMs - pMs) * 1000 * policy.maxPlaybackRate) + micros(policy.seekToleranceSec);
  if (advancedUs <= allowedUs) return null;
  return hit(
    'seek_ahead',
    h.id,
    tMs,
    `media advanced ${advancedUs / 1e6} s in ${(tMs - pMs) / 1000} s (allowed ${allowedUs / 1e6} s)`,
  );
}

export function playbackRate(h: HeartbeatEvent, tMs: number, policy: Policy): FlagHit | null {
  const rate = h.media?.rate;
  if (rate === undefined || rate <= policy.maxPlaybackRate) return null;
  return hit('playback_rate', h.id, tMs, `media rate ${rate} > ${policy.maxPlaybackRate}`);
}

export function quizTooFast(q: QuizSubmittedEvent, tMs: number, policy: Policy): FlagHit | null {
  const minUs = q.questions * micros(policy.minQuizSecondsPerQuestion);
  if (micros(q.durationSec) >= minUs) return null;
  return hit(
    'quiz_too_fast',
    q.id,
    tMs,
    `quiz ${q.quizId}: ${q.questions} questions in ${q.durationSec} s (minimum ${minUs / 1e6} s)`,
  );
}

export function quizOutsideSession(q: QuizSubmittedEvent, tMs: number): FlagHit {
  return hit(
    'quiz_outside_session',
    q.id,
    tMs,
    `quiz ${q.quizId}: no session of the learner was live at its time`,
  );
}
