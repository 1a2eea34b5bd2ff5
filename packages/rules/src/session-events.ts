import type { SessionEndEvent, SessionStartEvent } from '@hourglass/events';
import { closeWindow } from './close-window';
import { raiseFlags } from './flags';
import { sessionCapMs } from './live';
import { emptyOutput, outputWith, type Step, type StepResult } from './output';
import { attributesOfStart, beginSession, nextRecord } from './session-begin';
import { sharedDeviceCheck } from './shared-device';
import { replayedHit, staleEnd, staleStart } from './stale';
import { findSession, patchSession, putSession, type SessionState, touch } from './state';
import { windowOf } from './window';

/**
 * session.start: begins the session, or — after a heartbeat began it — fills in the attributes for later
 * segments. Either way it runs the shared-device check and is recorded in the device window.
 */
export function onSessionStart(step: Step, e: SessionStartEvent): StepResult {
  const { learner, tMs } = step;
  const existing = findSession(learner, e.platformId, e.sessionId);
  if (existing?.begun === true) {
    const staleNote = staleStart(existing);
    if (staleNote !== null) {
      const flagged = raiseFlags(touch(existing, tMs), learner.learnerId, tMs, [
        replayedHit(e.id, tMs, staleNote),
      ]);
      return {
        state: putSession(learner, flagged.session),
        out: outputWith('stale', [], flagged.updates),
      };
    }
  } else if (tMs < step.horizonMs) {
    return { state: learner, out: emptyOutput('ignored') };
  }

  const policy = step.ctx.policyFor(e.platformId);
  const attributes = attributesOfStart(e);
  const shared = sharedDeviceCheck(step.ctx.devices, e.deviceId, learner.learnerId, tMs, e.id, policy);
  const base: SessionState =
    existing?.begun === true
      ? touch(patchSession(existing, { attributes }), tMs)
      : beginSession(existing, e, tMs, attributes);
  const { session, record } = nextRecord(
    patchSession(base, { hadStart: true, sharedDevice: base.sharedDevice || shared !== null }),
    learner.learnerId,
  );
  // A late start (after a heartbeat began the session) may carry a time past p, and the windows it
  // withholds from all lie after p, some of them before t. Its flag is dated no later than p, so that
  // withheld time always ends after the lastAt a decision covers up to (SPEC §4 Review) and reopens it.
  const flagAtMs = existing?.begun === true ? Math.min(tMs, existing.lastMs) : tMs;
  const flagged = raiseFlags(session, learner.learnerId, flagAtMs, shared === null ? [] : [shared]);
  const out = emptyOutput('applied');
  out.sessions.push(record);
  out.flags.push(...flagged.updates);
  out.deviceStarts.push({ deviceId: e.deviceId, learnerId: learner.learnerId, timeMs: tMs });
  return { state: putSession(learner, flagged.session), out };
}

/** session.end: ends the session at max(t, p); closes a last window (idle rule, no activity check) if t > p. */
export function onSessionEnd(step: Step, e: SessionEndEvent): StepResult {
  const { learner, tMs } = step;
  const existing = findSession(learner, e.platformId, e.sessionId);
  if (existing === undefined || !existing.begun) return { state: learner, out: emptyOutput('ignored') };
  const staleNote = staleEnd(existing);
  if (staleNote !== null) {
    const flagged = raiseFlags(touch(existing, tMs), learner.learnerId, tMs, [
      replayedHit(e.id, tMs, staleNote),
    ]);
    return {
      state: putSession(learner, flagged.session),
      out: outputWith('stale', [], flagged.updates),
    };
  }

  const out = emptyOutput('applied');
  const policy = step.ctx.policyFor(existing.platformId);
  let hits: ReturnType<typeof closeWindow>['hits'] = [];
  if (tMs > existing.lastMs) {
    const closed = closeWindow({
      learner,
      session: existing,
      win: windowOf(existing.lastMs, tMs, sessionCapMs(existing, policy)),
      activity: 'inactive',
      eventId: e.id,
      tMs,
      rMs: step.rMs,
      policy,
      policyFor: step.ctx.policyFor,
    });
    out.segments.push(...closed.segments);
    hits = closed.hits;
  }
  const ended = touch(patchSession(existing, { endMs: Math.max(tMs, existing.lastMs) }), tMs);
  const { session, record } = nextRecord(ended, learner.learnerId);
  out.sessions.push(record);
  const flagged = raiseFlags(session, learner.learnerId, tMs, hits);
  out.flags.push(...flagged.updates);
  return { state: putSession(learner, flagged.session), out };
}
