/**
 * How the benchmarks measure the pure engine alone (pnpm bench:engine, and the engine figure of
 * pnpm bench:detector): `applyEvent` over a traffic, warmed up, median of several repetitions.
 *
 * - The events go through a JSON round trip first: the detector gets them parsed from the log, and
 *   objects built in place by a generator can have other shapes than parsed ones.
 * - The harness stays out of the timing: every event's learner index is computed before, and states live
 *   in an array, so the timed loop is applyEvent plus an array load and store (a Map<learnerId, state>
 *   lookup per event, as the detector bench did before, was measured as part of "the engine").
 * - One warm-up repetition first: the first pass also pays for JIT compilation and heap growth.
 */
import type { AcceptedEvent } from '@hourglass/events';
import {
  applyEvent,
  createMemoryDeviceView,
  createPolicyFor,
  emptyLearnerState,
  type LearnerState,
  type StepContext,
} from '@hourglass/rules';

export interface EngineRep {
  eventsPerSec: number;
  cpuEventsPerSec: number;
  cpuMicrosPerEvent: number;
}

export interface IndexedTraffic {
  events: readonly AcceptedEvent[];
  /** index[i]: the learner of events[i], as an index into learnerIds. */
  index: Int32Array;
  learnerIds: readonly string[];
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The traffic as the detector gets it (parsed from JSON), with each event's learner indexed. */
export function indexTraffic(traffic: readonly AcceptedEvent[]): IndexedTraffic {
  const events = JSON.parse(JSON.stringify(traffic)) as AcceptedEvent[];
  const byId = new Map<string, number>();
  const learnerIds: string[] = [];
  const index = new Int32Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const id = events[i]!.learnerId;
    let l = byId.get(id);
    if (l === undefined) {
      l = learnerIds.length;
      learnerIds.push(id);
      byId.set(id, l);
    }
    index[i] = l;
  }
  return { events, index, learnerIds };
}

/**
 * The events of every `of`-th learner starting at `shard` (by order of first appearance), in their order:
 * what one of `of` detector processes gets when partitions split the learners between them.
 */
export function shardOf(traffic: IndexedTraffic, shard: number, of: number): IndexedTraffic {
  const events: AcceptedEvent[] = [];
  const kept: number[] = [];
  for (let i = 0; i < traffic.events.length; i++) {
    const l = traffic.index[i]!;
    if (l % of !== shard) continue;
    events.push(traffic.events[i]!);
    kept.push((l - shard) / of);
  }
  return {
    events,
    index: Int32Array.from(kept),
    learnerIds: traffic.learnerIds.filter((_, l) => l % of === shard),
  };
}

/** One repetition from empty states and a fresh device view. */
export function runEngine({ events, index, learnerIds }: IndexedTraffic): EngineRep {
  const states: LearnerState[] = learnerIds.map((id) => emptyLearnerState(id));
  const ctx: StepContext = { policyFor: createPolicyFor(), devices: createMemoryDeviceView() };
  const c0 = cpuMicros();
  const t0 = performance.now();
  for (let i = 0; i < events.length; i++) {
    const l = index[i]!;
    states[l] = applyEvent(states[l]!, events[i]!, ctx).state;
  }
  const wallMs = performance.now() - t0;
  const cpuUs = cpuMicros() - c0;
  return {
    eventsPerSec: Math.round(events.length / (wallMs / 1000)),
    cpuEventsPerSec: Math.round(events.length / (cpuUs / 1e6)),
    cpuMicrosPerEvent: Math.round((cpuUs / events.length) * 1000) / 1000,
  };
}

/** A warm-up repetition, then `reps` measured ones; `onRep` sees each as it ends. */
export function measureEngine(
  traffic: IndexedTraffic,
  { reps, onRep }: { reps: number; onRep?: (rep: EngineRep, n: number) => void },
): { reps: EngineRep[]; median: EngineRep } {
  runEngine(traffic);
  const out: EngineRep[] = [];
  for (let r = 0; r < reps; r++) {
    out.push(runEngine(traffic));
    onRep?.(out[r]!, r + 1);
  }
  return { reps: out, median: medianRep(out) };
}

/** Each field's median on its own (the repetitions' rates and costs need not rank alike). */
export function medianRep(reps: readonly EngineRep[]): EngineRep {
  return {
    eventsPerSec: median(reps.map((r) => r.eventsPerSec)),
    cpuEventsPerSec: median(reps.map((r) => r.cpuEventsPerSec)),
    cpuMicrosPerEvent: median(reps.map((r) => r.cpuMicrosPerEvent)),
  };
}
