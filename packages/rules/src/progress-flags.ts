import type { HeartbeatEvent, QuizSubmittedEvent } from '@hourglass/events';
import type { FlagHit } from './flags';
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
  const advancedSec = h.media.positionSec - prevMediaPosSec;
  const elapsedSec = (tMs - pMs) / 1000;
  const allowedSec = elapsedSec * policy.maxPlaybackRate + policy.seekToleranceSec;
  if (advancedSec <= allowedSec) return null;
  return hit(
    'seek_ahead',
    h.id,
    tMs,
    `media advanced ${advancedSec} s in ${elapsedSec} s (allowed ${allowedSec} s)`,
  );
}

export function playbackRate(h: HeartbeatEvent, tMs: number, policy: Policy): FlagHit | null {
  const rate = h.media?.rate;
  if (rate === undefined || rate <= policy.maxPlaybackRate) return null;
  return hit('playback_rate', h.id, tMs, `media rate ${rate} > ${policy.maxPlaybackRate}`);
}

export function quizTooFast(q: QuizSubmittedEvent, tMs: number, policy: Policy): FlagHit | null {
  const minSec = q.questions * policy.minQuizSecondsPerQuestion;
  if (q.durationSec >= minSec) return null;
  return hit(
    'quiz_too_fast',
    q.id,
    tMs,
    `quiz ${q.quizId}: ${q.questions} questions in ${q.durationSec} s (minimum ${minSec} s)`,
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
