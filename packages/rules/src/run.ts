import type { AcceptedEvent } from '@hourglass/events';
import { applyEvent } from './engine';
import type { StepOutput } from './output';
import type { PolicyFor } from './policy';
import type { DeviceStartRef, DeviceView } from './shared-device';
import { emptyLearnerState, type LearnerState } from './state';

/** Device windows kept in memory, as the detector keeps them in its store. */
export interface MemoryDeviceView extends DeviceView {
  record(deviceId: string, ref: DeviceStartRef): void;
}

export function createMemoryDeviceView(): MemoryDeviceView {
  const starts = new Map<string, DeviceStartRef[]>();
  return {
    startsOn: (deviceId) => starts.get(deviceId) ?? [],
    record(deviceId, ref) {
      const list = starts.get(deviceId);
      if (list === undefined) starts.set(deviceId, [ref]);
      else list.push(ref);
    },
  };
}

/** Runs events of any number of learners in order, as the detector would, with in-memory state and devices. */
export function runSequence(
  events: readonly AcceptedEvent[],
  policyFor: PolicyFor,
  opts: { maxSessions?: number } = {},
): { states: Map<string, LearnerState>; out: StepOutput[] } {
  const states = new Map<string, LearnerState>();
  const devices = createMemoryDeviceView();
  const ctx = { policyFor, devices, ...opts };
  const out: StepOutput[] = [];
  for (const event of events) {
    const before = states.get(event.learnerId) ?? emptyLearnerState(event.learnerId);
    const step = applyEvent(before, event, ctx);
    states.set(event.learnerId, step.state);
    for (const d of step.out.deviceStarts)
      devices.record(d.deviceId, { learnerId: d.learnerId, timeMs: d.timeMs });
    out.push(step.out);
  }
  return { states, out };
}
