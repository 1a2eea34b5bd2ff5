import type { FlagHit } from './flags';
import type { Policy } from './policy';

export interface DeviceStartRef {
  learnerId: string;
  timeMs: number;
}

/** Session starts on a device — other learners' and this learner's own — as known now. */
export interface DeviceView {
  startsOn(deviceId: string): readonly DeviceStartRef[];
}

/** "Within 24 h of its time, either side": inclusive at exactly 24 h. */
export const DEVICE_WINDOW_MS = 24 * 3_600_000;

/** Distinct learners, sorted, with a session start on the device within 24 h of tMs, counting this one. */
export function learnersOnDevice(
  view: DeviceView,
  deviceId: string,
  learnerId: string,
  tMs: number,
): string[] {
  const learners = new Set<string>([learnerId]);
  for (const ref of view.startsOn(deviceId)) {
    if (Math.abs(ref.timeMs - tMs) <= DEVICE_WINDOW_MS) learners.add(ref.learnerId);
  }
  return [...learners].sort();
}

/** The check of a session.start: returns the flag hit when the device is shared past the limit. */
export function sharedDeviceCheck(
  view: DeviceView,
  deviceId: string,
  learnerId: string,
  tMs: number,
  eventId: string,
  policy: Policy,
): FlagHit | null {
  const learners = learnersOnDevice(view, deviceId, learnerId, tMs);
  if (learners.length <= policy.deviceShareLimit) return null;
  return {
    kind: 'shared_device',
    withheldMs: 0,
    evidence: [
      {
        eventId,
        atMs: tMs,
        note: `${learners.length} learners started sessions on device ${deviceId} within 24 h (limit ${policy.deviceShareLimit})`,
        learnerIds: learners,
      },
    ],
  };
}
