import type { HeartbeatEvent } from '@hourglass/events';
import { closeWindow } from './close-window';
import { type FlagHit, raiseFlags } from './flags';
import { capMs } from './live';
import { emptyOutput, outputWith, type Step, type StepResult } from './output';
import { playbackRate, seekAhead } from './progress-flags';
import { attributesOfHeartbeat, beginSession, nextRecord } from './session-begin';
import { replayedHit, staleHeartbeat } from './stale';
import { findSession, putSession, type SessionState, touch } from './state';
import { activityAfter, heartbeatActivity, windowOf } from './window';

/** Timing facts a processed heartbeat leaves behind for the next one. */
function afterHeartbeat(
  s: SessionState,
  e: HeartbeatEvent,
  tMs: number,
  activityMs: number | null,
): SessionState {
  // Written out rather than through patchSession: this runs for nearly every event.
  return {
    platformId: s.platformId,
    sessionId: s.sessionId,
    begun: s.begun,
    hadStart: s.hadStart,
    startMs: s.startMs,
    lastMs: tMs,
    lastSeq: e.seq,
    intervalSec: e.intervalSec,
    activityMs,
    mediaPosSec: e.media?.positionSec ?? null,
    endMs: s.endMs,
    attributes: s.attributes,
    sharedDevice: s.sharedDevice,
    version: s.version,
    touchedMs: Math.max(s.touchedMs, tMs),
    flags: s.flags,
  };
}

export function onHeartbeat(step: Step, e: HeartbeatEvent): StepResult {
  const { learner, tMs } = step;
  const policy = step.ctx.policyFor(e.platformId);
  const existing = findSession(learner, e.platformId, e.sessionId);
  if (existing === undefined || !existing.begun) {
    if (tMs < step.horizonMs) return { state: learner, out: emptyOutput('ignored') };
    // A beginning heartbeat closes no window, but what it says about activity still sets A.
    const activity = heartbeatActivity(e, tMs, tMs, null);
    const begun = beginSession(existing, e, tMs, attributesOfHeartbeat(e));
    const withTiming = afterHeartbeat(begun, e, tMs, activityAfter(activity, begun.activityMs, tMs));
    const { session, record } = nextRecord(withTiming, learner.learnerId);
    const out = emptyOutput('applied');
    out.sessions.push(record);
    const rate = playbackRate(e, tMs, policy);
    const flagged = raiseFlags(session, learner.learnerId, tMs, rate === null ? [] : [rate]);
    out.flags = flagged.updates;
    return { state: putSession(learner, flagged.session), out };
  }

  const staleNote = staleHeartbeat(existing, e.seq, tMs);
  if (staleNote !== null) {
    const flagged = raiseFlags(touch(existing, tMs), learner.learnerId, tMs, [
      replayedHit(e.id, tMs, staleNote),
    ]);
    return { state: putSession(learner, flagged.session), out: outputWith('stale', [], flagged.updates) };
  }

  const pMs = existing.lastMs;
  const activity = heartbeatActivity(e, tMs, pMs, existing.mediaPosSec);
  const closed = closeWindow({
    learner,
    session: existing,
    win: windowOf(pMs, tMs, capMs(policy, e.intervalSec)),
    activity,
    eventId: e.id,
    tMs,
    rMs: step.rMs,
    policy,
    policyFor: step.ctx.policyFor,
  });
  const hits: FlagHit[] = closed.hits;
  const seek = seekAhead(e, tMs, pMs, existing.mediaPosSec, policy);
  if (seek !== null) hits.push(seek);
  const rate = playbackRate(e, tMs, policy);
  if (rate !== null) hits.push(rate);
  const session = afterHeartbeat(existing, e, tMs, activityAfter(activity, existing.activityMs, tMs));
  if (hits.length === 0)
    return { state: putSession(learner, session), out: outputWith('applied', closed.segments, []) };
  const flagged = raiseFlags(session, learner.learnerId, tMs, hits);
  return {
    state: putSession(learner, flagged.session),
    out: outputWith('applied', closed.segments, flagged.updates),
  };
}
