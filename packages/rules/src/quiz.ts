import type { CertificateIssuedEvent, QuizSubmittedEvent } from '@hourglass/events';
import { type FlagHit, raiseFlags } from './flags';
import { anySessionLiveAt, isLiveAt } from './live';
import { emptyOutput, outputWith, type Step, type StepResult } from './output';
import { quizOutsideSession, quizTooFast } from './progress-flags';
import { placeholderSession } from './session-begin';
import { findSession, patchSession, putSession, touch } from './state';

/**
 * quiz.submitted: activity evidence for its own session while that session is live, and the two quiz flags,
 * which attach to the quiz's session (platformId, sessionId) even if that session has not begun.
 */
export function onQuiz(step: Step, e: QuizSubmittedEvent): StepResult {
  const { learner, tMs } = step;
  const { policyFor } = step.ctx;
  const existing = findSession(learner, e.platformId, e.sessionId);
  if (existing?.begun !== true && tMs < step.horizonMs)
    return { state: learner, out: emptyOutput('ignored') };

  const policy = policyFor(e.platformId);
  const hits: FlagHit[] = [];
  const tooFast = quizTooFast(e, tMs, policy);
  if (tooFast !== null) hits.push(tooFast);
  if (!anySessionLiveAt(learner, policyFor, tMs)) hits.push(quizOutsideSession(e, tMs));

  let session = existing;
  if (session !== undefined && isLiveAt(session, policy, tMs)) {
    const a = session.activityMs;
    session = patchSession(session, { activityMs: a === null ? tMs : Math.max(a, tMs) });
  }
  if (session === undefined) {
    if (hits.length === 0) return { state: learner, out: emptyOutput('applied') };
    session = placeholderSession(e, tMs);
  }
  const flagged = raiseFlags(touch(session, tMs), learner.learnerId, tMs, hits);
  return {
    state: putSession(learner, flagged.session),
    out: outputWith('applied', [], flagged.updates),
  };
}

/** certificate.issued: recorded for the backing computation downstream; it touches no session. */
export function onCertificate(step: Step, e: CertificateIssuedEvent): StepResult {
  const out = emptyOutput('applied');
  out.certificates.push({
    certificateId: e.certificateId,
    platformId: e.platformId,
    learnerId: e.learnerId,
    courseId: e.courseId,
    requiredHours: e.requiredHours,
    issuedAtMs: step.tMs,
    eventId: e.id,
  });
  return { state: step.learner, out };
}
