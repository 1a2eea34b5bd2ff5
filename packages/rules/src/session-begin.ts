import { type HeartbeatEvent, type SessionRecord, type SessionStartEvent, UNKNOWN } from '@hourglass/events';
import { type Attributes, patchSession, type SessionState } from './state';
import { nextVersion } from './versions';

export function attributesOfStart(e: SessionStartEvent): Attributes {
  return {
    courseId: e.courseId,
    deviceId: e.deviceId,
    occupation: e.occupation ?? UNKNOWN,
    region: e.region ?? UNKNOWN,
    learnerGroup: e.learnerGroup ?? UNKNOWN,
  };
}

/** A session begun by a heartbeat knows only its course until (unless) its session.start arrives. */
export function attributesOfHeartbeat(e: HeartbeatEvent): Attributes {
  return {
    courseId: e.courseId,
    deviceId: UNKNOWN,
    occupation: UNKNOWN,
    region: UNKNOWN,
    learnerGroup: UNKNOWN,
  };
}

/**
 * A new session, or a placeholder (flags of an early quiz) turned into one. Its start is the beginning
 * event's time and A starts there.
 */
export function beginSession(
  placeholder: SessionState | undefined,
  key: { platformId: string; sessionId: string },
  tMs: number,
  attributes: Attributes,
): SessionState {
  return {
    platformId: key.platformId,
    sessionId: key.sessionId,
    begun: true,
    hadStart: false,
    startMs: tMs,
    lastMs: tMs,
    lastSeq: -1,
    intervalSec: 0,
    activityMs: tMs,
    mediaPosSec: null,
    endMs: null,
    attributes,
    sharedDevice: false,
    version: placeholder?.version ?? 0,
    touchedMs: Math.max(tMs, placeholder?.touchedMs ?? tMs),
    flags: placeholder?.flags ?? [],
  };
}

/** Holds the flags of a quiz whose session has not begun; it has no timing and is never live. */
export function placeholderSession(
  key: { platformId: string; sessionId: string },
  tMs: number,
): SessionState {
  return patchSession(beginSession(undefined, key, tMs, attributesUnknown()), { begun: false });
}

function attributesUnknown(): Attributes {
  return {
    courseId: UNKNOWN,
    deviceId: UNKNOWN,
    occupation: UNKNOWN,
    region: UNKNOWN,
    learnerGroup: UNKNOWN,
  };
}

/** Bumps the record version; the caller stores the returned session and emits the record. */
export function nextRecord(
  s: SessionState,
  learnerId: string,
): { session: SessionState; record: SessionRecord } {
  const session = patchSession(s, { version: nextVersion(s.version, s.touchedMs) });
  const a = session.attributes;
  return {
    session,
    record: {
      platformId: s.platformId,
      sessionId: s.sessionId,
      learnerId,
      courseId: a.courseId,
      deviceId: a.deviceId,
      occupation: a.occupation,
      region: a.region,
      learnerGroup: a.learnerGroup,
      startMs: s.startMs,
      endMs: s.endMs,
      version: session.version,
    },
  };
}
