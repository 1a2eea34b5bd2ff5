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
import { createStretchCounter, type OpenStretch } from './count-stretches';
import { DetectorError } from './errors';

export interface BatchInput {
  events: readonly AcceptedEvent[];
  /** The log offset of each event (the same length as `events`, increasing). */
  offsets: readonly bigint[];
  /** The partition's stretch being counted, as stored with its watermark (count-stretches.ts). */
  open: OpenStretch | null;
  learners: ReadonlyMap<string, string>;
  devices: ReadonlyMap<string, readonly DeviceStartRef[]>;
  /**
   * How many of the first events were counted by an earlier run under per-batch ids (before counts were
   * by position, count-stretches.ts): they run the rules again but add nothing to the counts, whose
   * earlier ids a replay cannot reproduce. Default 0.
   */
  countedBefore?: number;
}

export interface BatchResult {
  learners: Map<string, string>;
  deviceStarts: { deviceId: string; learnerId: string; timeMs: number }[];
  outputs: StepOutput[];
  counts: EventCountRecord[];
  /** The stretch being counted after this batch, to store with its watermark. */
  open: OpenStretch | null;
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
  /** The events partition (`topic/partition`), the base of count ids. */
  partition: string;
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
    open: null,
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
  const counter = createStretchCounter({ partition: opts.partition, open: input.open });
  let lastReceivedAt = '';
  let lastDay = '';
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
      if (event.receivedAt !== lastReceivedAt) {
        const day = opts.dayOf(receivedMs(event.receivedAt));
        lastReceivedAt = event.receivedAt;
        lastDay = day;
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
    counter.event(input.offsets[i] as bigint, event.platformId, lastDay, step.out.segments);
  }
  for (const learnerId of touched) {
    const state = states.get(learnerId);
    if (state === undefined) continue;
    result.learners.set(learnerId, serializeState(state));
    if (state.floorMs !== null && state.floorMs !== floorsBefore.get(learnerId))
      result.overCap.push(learnerId);
  }
  result.counts = counter.records();
  result.open = counter.open();
  return result;
}
