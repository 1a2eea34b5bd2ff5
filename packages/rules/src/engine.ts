import type { AcceptedEvent } from '@hourglass/events';
import { fingerprint, hasSeen, remember } from './dedupe';
import { onHeartbeat } from './heartbeat';
import { emptyOutput, type Step, type StepContext, type StepResult } from './output';
import { PRUNE_AFTER_MS, pruneSessions, SESSION_KEEP_MS } from './prune';
import { onCertificate, onQuiz } from './quiz';
import { capSessions, MAX_SESSIONS } from './session-cap';
import { onSessionEnd, onSessionStart } from './session-events';
import type { LearnerState } from './state';
import { toMs } from './time';

/**
 * Applies one accepted event of the learner to the learner's state (SPEC §4). Pure: the input state is
 * never written to — new states share untouched parts with it — and the result depends only on the
 * arguments. Events must come in processing order; a duplicate returns the very same state object.
 */
export function applyEvent(state: LearnerState, event: AcceptedEvent, ctx: StepContext): StepResult {
  if (event.learnerId !== state.learnerId) {
    throw new RangeError(
      `event ${event.id} of learner ${event.learnerId} applied to the state of ${state.learnerId}`,
    );
  }
  const fp = fingerprint(event.platformId, event.id);
  if (hasSeen(state.seen, fp)) return { state, out: emptyOutput('duplicate') };

  const tMs = toMs(event.time);
  const rMs = toMs(event.receivedAt);
  const latestMs = state.latestMs === null ? tMs : Math.max(state.latestMs, tMs);
  const pruneHorizonMs = latestMs - PRUNE_AFTER_MS;
  // Every remembered id belongs to an event no later than the previous latestMs; once that is past the
  // pruning horizon, none of them can come again. (The floor does not apply: ids are not sessions.)
  const ring = state.latestMs !== null && state.latestMs < pruneHorizonMs ? '' : state.seen;
  // Events before the horizon cannot begin a session: theirs would have been pruned, or dropped for the
  // session cap (at or before the floor). Once the pruning horizon has passed the floor, the floor says
  // nothing more.
  const floorMs = state.floorMs !== null && state.floorMs >= pruneHorizonMs ? state.floorMs : null;
  const horizonMs = floorMs === null ? pruneHorizonMs : floorMs + 1;
  const learner: LearnerState = {
    learnerId: state.learnerId,
    latestMs,
    floorMs,
    seen: remember(ring, fp),
    // Sessions at or before the floor are gone already (the cap dropped them).
    sessions: pruneSessions(state.sessions, latestMs - SESSION_KEEP_MS),
  };
  const step: Step = { learner, tMs, rMs, horizonMs, ctx };
  const result = handle(step, event);
  const capped = capSessions(result.state, ctx.maxSessions ?? MAX_SESSIONS);
  return capped === result.state ? result : { state: capped, out: result.out };
}

function handle(step: Step, event: AcceptedEvent): StepResult {
  switch (event.type) {
    case 'heartbeat':
      return onHeartbeat(step, event);
    case 'session.start':
      return onSessionStart(step, event);
    case 'session.end':
      return onSessionEnd(step, event);
    case 'quiz.submitted':
      return onQuiz(step, event);
    case 'certificate.issued':
      return onCertificate(step, event);
    default: {
      // Unreachable for a validated event; a record that only looks like one must fail loudly here,
      // not return nothing for the caller to trip over.
      const unknown: { id?: unknown; type?: unknown } = event;
      throw new RangeError(`event ${String(unknown.id)} has an unknown type ${JSON.stringify(unknown.type)}`);
    }
  }
}
