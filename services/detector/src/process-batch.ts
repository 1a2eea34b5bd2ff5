import {
  type AcceptedEvent,
  type EventCountRecord,
  fastParseTimestamp,
  knownEventType,
} from '@hourglass/events';
import {
  applyEvent,
  type DeviceStartRef,
  deserializeState,
  emptyLearnerState,
  type LearnerState,
  type PolicyFor,
  StateFormatError,
  type StepOutput,
  serializeState,
} from '@hourglass/rules';
import { DetectorError } from './errors';

export interface BatchInput {
  events: readonly AcceptedEvent[];
  learners: ReadonlyMap<string, string>;
  devices: ReadonlyMap<string, readonly DeviceStartRef[]>;
  /**
   * How many of the first events were counted by an earlier run of their offsets (a rebuild after the
   * state store lost data replays them): they run the rules again but add nothing to the counts, whose
   * ids name this batch's offsets and would not match the earlier ones. Default 0.
   */
  countedBefore?: number;
}

export interface BatchResult {
  learners: Map<string, string>;
  deviceStarts: { deviceId: string; learnerId: string; timeMs: number }[];
  outputs: StepOutput[];
  counts: EventCountRecord[];
  /** Events by type and outcome ('malformed': the rules could not evaluate it); an unknown type is 'unknown'. */
  byType: Map<string, Record<EventOutcome, number>>;
  /** Events the rules could not evaluate (a record that is not a valid accepted event): skipped. */
  malformed: { id: string; learnerId: string; reason: string }[];
  /** Learners whose sessions went over the session cap in this batch: some were dropped (rules' session-cap.ts). */
  overCap: string[];
}

export type EventOutcome = StepOutput['outcome'] | 'malformed';

export interface BatchOptions {
  policyFor: PolicyFor;
  dayOf: (ms: number) => string;
  /** Stable name of the batch (partition and offsets), the base of its count ids. */
  batchId: string;
}

/** When ingest received the event; a value that is not a time makes the event malformed. */
function receivedMs(receivedAt: string): number {
  const ms = fastParseTimestamp(receivedAt);
  if (ms === null) throw new RangeError(`receivedAt is not a time: ${JSON.stringify(receivedAt)}`);
  return ms;
}

/**
 * The stored state of a learner; a state that cannot be read, or that names another learner (a
 * corrupted id, a key restored under the wrong name), names its learner for the operator. The rules
 * would refuse every event of the learner against another's state, and skipping them as malformed
 * would drop the learner's time until the key expired.
 */
function readState(learnerId: string, stored: string): LearnerState {
  let state: LearnerState;
  try {
    state = deserializeState(stored);
  } catch (err) {
    if (!(err instanceof StateFormatError)) throw err;
    throw new DetectorError('corrupt_state', `stored state of learner ${learnerId}: ${err.message}`);
  }
  if (state.learnerId !== learnerId) {
    throw new DetectorError(
      'corrupt_state',
      `stored state of learner ${learnerId} names learner ${JSON.stringify(state.learnerId)}`,
    );
  }
  return state;
}

/**
 * Runs the rules over one consumed batch. No I/O: the caller loads state before and writes the
 * result after, so a batch costs a constant number of state round trips whatever its size.
 */
export function processBatch(input: BatchInput, opts: BatchOptions): BatchResult {
  const states = new Map<string, LearnerState>();
  const touched = new Set<string>();
  // Starts recorded earlier in this batch must be visible to later session.starts of other learners.
  const deviceWindows = new Map<string, DeviceStartRef[]>();
  const devices = {
    startsOn(deviceId: string): readonly DeviceStartRef[] {
      return deviceWindows.get(deviceId) ?? input.devices.get(deviceId) ?? [];
    },
  };
  const result: BatchResult = {
    learners: new Map(),
    deviceStarts: [],
    outputs: [],
    counts: [],
    byType: new Map(),
    malformed: [],
    overCap: [],
  };
  // Floors of the states as loaded; a touched learner whose floor is another one now dropped sessions.
  const floorsBefore = new Map<string, number>();
  // A label value only from the schema's list: a corrupt record must not mint metric series.
  const outcomesOf = (event: AcceptedEvent) => {
    const label = knownEventType(event) ?? 'unknown';
    let counts = result.byType.get(label);
    if (counts === undefined) {
      counts = { applied: 0, duplicate: 0, stale: 0, ignored: 0, malformed: 0 };
      result.byType.set(label, counts);
    }
    return counts;
  };
  // Per platform and day of receipt: events consumed, and segments they emitted.
  const perPlatformDay = new Map<string, { accepted: number; segments: number }>();
  let lastReceivedAt = '';
  let lastPlatform = '';
  let lastDay = '';
  const countOf = (platformId: string) => {
    const key = `${platformId}\u0000${lastDay}`;
    let count = perPlatformDay.get(key);
    if (count === undefined) {
      count = { accepted: 0, segments: 0 };
      perPlatformDay.set(key, count);
    }
    return count;
  };
  // The count of the current run of events; replaced by the first event (receivedAt is never empty).
  let count = { accepted: 0, segments: 0 };
  const countedBefore = input.countedBefore ?? 0;
  for (let i = 0; i < input.events.length; i++) {
    const event = input.events[i] as AcceptedEvent;
    let state = states.get(event.learnerId);
    if (state === undefined) {
      const stored = input.learners.get(event.learnerId);
      state = stored === undefined ? emptyLearnerState(event.learnerId) : readState(event.learnerId, stored);
      if (state.floorMs !== null) floorsBefore.set(event.learnerId, state.floorMs);
    }
    let step: ReturnType<typeof applyEvent>;
    try {
      // Ingest stamps one receivedAt per request, so runs of events share it: parse and name the day
      // once per run. First, so that an event whose receivedAt cannot be read changes nothing.
      if (event.receivedAt !== lastReceivedAt || event.platformId !== lastPlatform) {
        const day = opts.dayOf(receivedMs(event.receivedAt));
        lastReceivedAt = event.receivedAt;
        lastPlatform = event.platformId;
        lastDay = day;
        count = countOf(event.platformId);
      }
      step = applyEvent(state, event, { policyFor: opts.policyFor, devices });
    } catch (err) {
      // Only ingest writes the events topic, so this is a bug or corruption, not a platform's
      // mistake. Retrying would block the learner's partition forever; skip it, state unchanged,
      // and let the caller report it.
      outcomesOf(event).malformed += 1;
      result.malformed.push({
        id: String(event.id),
        learnerId: event.learnerId,
        reason: err instanceof Error ? err.message : String(err),
      });
      continue;
    }
    states.set(event.learnerId, step.state);
    if (step.out.outcome !== 'duplicate') touched.add(event.learnerId);
    outcomesOf(event)[step.out.outcome] += 1;
    result.outputs.push(step.out);
    for (const start of step.out.deviceStarts) {
      const window = deviceWindows.get(start.deviceId) ?? [...(input.devices.get(start.deviceId) ?? [])];
      window.push({ learnerId: start.learnerId, timeMs: start.timeMs });
      deviceWindows.set(start.deviceId, window);
      result.deviceStarts.push(start);
    }
    if (i < countedBefore) continue;
    count.accepted += 1;
    // A segment is counted on its own platform (an event could close another session's window).
    for (const segment of step.out.segments) {
      (segment.platformId === event.platformId ? count : countOf(segment.platformId)).segments += 1;
    }
  }
  for (const learnerId of touched) {
    const state = states.get(learnerId);
    if (state === undefined) continue;
    result.learners.set(learnerId, serializeState(state));
    if (state.floorMs !== null && state.floorMs !== floorsBefore.get(learnerId))
      result.overCap.push(learnerId);
  }
  for (const [key, { accepted, segments }] of perPlatformDay) {
    if (accepted === 0 && segments === 0) continue; // only events counted before
    const [platformId = '', day = ''] = key.split('\u0000');
    result.counts.push({
      countId: `${opts.batchId}/${platformId}/${day}`,
      platformId,
      day,
      accepted,
      segments,
    });
  }
  return result;
}
