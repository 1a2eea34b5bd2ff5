import type { AcceptedEvent, Segment } from '@hourglass/events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deserializeState, serializeState } from './codec';
import { applyEvent } from './engine';
import type { StepOutput } from './output';
import { createMemoryDeviceView, type MemoryDeviceView, runSequence } from './run';
import { emptyLearnerState, type LearnerState } from './state';
import { DAY, start } from './testing/fixtures';
import { eventsArb, eventsOf, PROPERTY_POLICY, scenarioArb } from './testing/generators';

const RUNS = { numRuns: 100 };

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** The detector's loop, with a hook between events to mess with the states. */
function drive(
  events: readonly AcceptedEvent[],
  opts: {
    states?: Map<string, LearnerState>;
    devices?: MemoryDeviceView;
    between?: (i: number, states: Map<string, LearnerState>) => void;
    maxSessions?: number;
  } = {},
): { states: Map<string, LearnerState>; out: StepOutput[] } {
  const states = opts.states ?? new Map<string, LearnerState>();
  const devices = opts.devices ?? createMemoryDeviceView();
  const out: StepOutput[] = [];
  events.forEach((e, i) => {
    opts.between?.(i, states);
    const step = applyEvent(states.get(e.learnerId) ?? emptyLearnerState(e.learnerId), e, {
      policyFor: PROPERTY_POLICY,
      devices,
      ...(opts.maxSessions === undefined ? {} : { maxSessions: opts.maxSessions }),
    });
    states.set(e.learnerId, step.state);
    for (const d of step.out.deviceStarts) devices.record(d.deviceId, d);
    out.push(step.out);
  });
  return { states, out };
}

function bySession(segments: readonly Segment[]): Map<string, Segment[]> {
  const m = new Map<string, Segment[]>();
  for (const s of segments) {
    const k = `${s.platformId}/${s.sessionId}`;
    m.set(k, [...(m.get(k) ?? []), s]);
  }
  return m;
}

describe('Properties over generated realistic sequences', () => {
  it('per session, verified + withheld time never exceeds the elapsed time (last timing time − start)', () => {
    fc.assert(
      fc.property(eventsArb, (events) => {
        const { states, out } = runSequence(events, PROPERTY_POLICY);
        const segs = bySession(out.flatMap((o) => o.segments));
        for (const state of states.values()) {
          for (const s of state.sessions) {
            const total = (segs.get(`${s.platformId}/${s.sessionId}`) ?? []).reduce(
              (a, x) => a + x.endMs - x.startMs,
              0,
            );
            expect(total).toBeLessThanOrEqual((s.endMs ?? s.lastMs) - s.startMs);
          }
        }
      }),
      RUNS,
    );
  });

  it('withheld time added to a flag ends after the flag’s lastAt as it stood before (what a decision covers, SPEC §4 Review)', () => {
    // A decision covers its flag's segments up to the flag's lastAt; any later withheld time must lie
    // past it, or an approval would cover time created after it and the flag would never reopen.
    fc.assert(
      fc.property(eventsArb, (events) => {
        const { out } = runSequence(events, PROPERTY_POLICY);
        const lastAt = new Map<string, number>();
        for (const o of out) {
          for (const s of o.segments) {
            for (const f of s.flagIds) {
              const before = lastAt.get(f);
              if (before !== undefined) expect(s.endMs).toBeGreaterThan(before);
            }
          }
          for (const f of o.flags) lastAt.set(f.flagId, f.lastAtMs);
        }
      }),
      RUNS,
    );
  });

  it('segments have positive integer durations, lie inside their session and never overlap within it', () => {
    fc.assert(
      fc.property(eventsArb, (events) => {
        const { states, out } = runSequence(events, PROPERTY_POLICY);
        for (const [key, list] of bySession(out.flatMap((o) => o.segments))) {
          const [platformId, sessionId] = key.split('/');
          const state = states.get(list[0]!.learnerId)!;
          const s = state.sessions.find((x) => x.platformId === platformId && x.sessionId === sessionId)!;
          const sorted = [...list].sort((a, b) => a.startMs - b.startMs);
          let prevEnd = s.startMs;
          for (const seg of sorted) {
            expect(Number.isInteger(seg.startMs) && Number.isInteger(seg.endMs)).toBe(true);
            expect(seg.endMs).toBeGreaterThan(seg.startMs);
            expect(seg.startMs).toBeGreaterThanOrEqual(prevEnd);
            prevEnd = seg.endMs;
          }
          expect(prevEnd).toBeLessThanOrEqual(s.endMs ?? s.lastMs);
        }
      }),
      RUNS,
    );
  });

  it('segments are verified iff they have no kinds, and name one flag per kind', () => {
    fc.assert(
      fc.property(eventsArb, (events) => {
        const { out } = runSequence(events, PROPERTY_POLICY);
        const flagIdOf = new Map(
          out.flatMap((o) => o.flags).map((f) => [`${f.platformId}/${f.sessionId}/${f.kind}`, f.flagId]),
        );
        for (const seg of out.flatMap((o) => o.segments)) {
          expect(seg.status).toBe(seg.kinds.length === 0 ? 'verified' : 'withheld');
          expect([...seg.kinds].sort()).toEqual(seg.kinds);
          expect(seg.flagIds).toEqual(
            seg.kinds.map((k) => flagIdOf.get(`${seg.platformId}/${seg.sessionId}/${k}`)),
          );
        }
      }),
      RUNS,
    );
  });

  it('a flag’s withheldMs is the sum of its session’s segments carrying its kind; versions only go up', () => {
    fc.assert(
      fc.property(eventsArb, (events) => {
        const { out } = runSequence(events, PROPERTY_POLICY);
        const segments = out.flatMap((o) => o.segments);
        const latest = new Map<string, StepOutput['flags'][number]>();
        for (const f of out.flatMap((o) => o.flags)) {
          const before = latest.get(f.flagId);
          expect(f.version).toBeGreaterThan(before?.version ?? 0);
          expect(Number.isSafeInteger(f.version)).toBe(true);
          expect(f.occurrences).toBe((before?.occurrences ?? 0) + 1);
          expect(f.evidence.length).toBeLessThanOrEqual(5);
          latest.set(f.flagId, f);
        }
        for (const f of latest.values()) {
          const carried = segments
            .filter((s) => s.sessionId === f.sessionId && s.platformId === f.platformId)
            .filter((s) => (s.kinds as string[]).includes(f.kind))
            .reduce((a, s) => a + s.endMs - s.startMs, 0);
          expect(f.withheldMs).toBe(carried);
        }
        const records = new Map<string, number>();
        for (const r of out.flatMap((o) => o.sessions)) {
          const k = `${r.platformId}/${r.sessionId}`;
          expect(r.version).toBeGreaterThan(records.get(k) ?? 0);
          expect(Number.isSafeInteger(r.version)).toBe(true);
          records.set(k, r.version);
        }
      }),
      RUNS,
    );
  });

  it('re-applying any prefix of the input afterwards changes nothing: every event is a duplicate, with or without a session cap', () => {
    fc.assert(
      fc.property(eventsArb, fc.constantFrom(undefined, 1, 2), fc.nat(), (events, maxSessions, cut) => {
        const first = drive(events, { maxSessions });
        const snapshot = new Map(first.states);
        const prefix = events.slice(0, events.length === 0 ? 0 : cut % (events.length + 1));
        const again = drive(prefix, { states: first.states, maxSessions });
        expect(again.out.every((o) => o.outcome === 'duplicate')).toBe(true);
        for (const [id, s] of first.states) expect(s).toBe(snapshot.get(id));
      }),
      RUNS,
    );
  });

  it('resending events (same id) anywhere later changes no result', () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const clean = runSequence(eventsOf({ ...sc, resends: [] }), PROPERTY_POLICY);
        const noisy = runSequence(eventsOf(sc), PROPERTY_POLICY);
        expect(noisy.out.filter((o) => o.outcome !== 'duplicate')).toEqual(clean.out);
        expect(noisy.states).toEqual(clean.states);
      }),
      RUNS,
    );
  });

  it('processing the same input twice from scratch gives deep-equal output, with or without a session cap', () => {
    fc.assert(
      fc.property(eventsArb, fc.constantFrom(undefined, 1, 2), (events, maxSessions) => {
        const opts = maxSessions === undefined ? {} : { maxSessions };
        expect(runSequence(events, PROPERTY_POLICY, opts)).toEqual(
          runSequence(events, PROPERTY_POLICY, opts),
        );
      }),
      RUNS,
    );
  });

  it('serializing and deserializing every state mid-sequence gives the same results, with or without a session cap', () => {
    fc.assert(
      fc.property(
        eventsArb,
        fc.constantFrom(undefined, 1, 2),
        fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
        (events, maxSessions, cuts) => {
          const straight = drive(events, { maxSessions });
          const cutAt = new Set(cuts.map((c) => c % (events.length + 1)));
          const roundTripped = drive(events, {
            maxSessions,
            between: (i, states) => {
              if (!cutAt.has(i)) return;
              for (const [id, s] of states) states.set(id, deserializeState(serializeState(s)));
            },
          });
          expect(roundTripped.out).toEqual(straight.out);
          expect(roundTripped.states).toEqual(straight.states);
        },
      ),
      RUNS,
    );
  });

  it('the input state is never mutated (states are deep-frozen before every step)', () => {
    fc.assert(
      fc.property(eventsArb, (events) => {
        const frozen = drive(events, { between: (_i, states) => states.forEach(deepFreeze) });
        expect(frozen.out).toEqual(runSequence(events, PROPERTY_POLICY).out);
      }),
      RUNS,
    );
  });

  it('shared devices: whatever the processing order, at least (learners − limit) sessions are flagged', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.integer({ min: 0, max: 24 * 3600 - 1 }), { minLength: 1, maxLength: 12 }),
        (limit, offsets) => {
          const events = offsets.map((s, i) =>
            start({
              t: new Date(Date.parse(`${DAY}T00:00:00Z`) + s * 1000).toISOString(),
              learner: `L${i}`,
              session: `S${i}`,
              device: 'D1',
            }),
          );
          const { out } = runSequence(events, () => ({ ...PROPERTY_POLICY('pa'), deviceShareLimit: limit }));
          const flagged = out.flatMap((o) => o.flags).filter((f) => f.kind === 'shared_device').length;
          expect(flagged).toBeGreaterThanOrEqual(Math.max(0, offsets.length - limit));
        },
      ),
      RUNS,
    );
  });
});

describe('Properties with a session cap of 1 or 2 (sessions dropped all the time)', () => {
  const capArb = fc.integer({ min: 1, max: 2 });

  it('no state ever holds more sessions than the cap', () => {
    fc.assert(
      fc.property(eventsArb, capArb, (events, maxSessions) => {
        drive(events, {
          maxSessions,
          between: (_i, states) => {
            for (const s of states.values()) expect(s.sessions.length).toBeLessThanOrEqual(maxSessions);
          },
        });
      }),
      RUNS,
    );
  });

  it('a session’s segments never overlap, even across drops, and lie between its first and last event times', () => {
    fc.assert(
      fc.property(eventsArb, capArb, (events, maxSessions) => {
        const { out } = drive(events, { maxSessions });
        const times = new Map<string, number[]>();
        for (const e of events) {
          const k = `${e.platformId}/${'sessionId' in e ? e.sessionId : ''}`;
          times.set(k, [...(times.get(k) ?? []), Date.parse(e.time)]);
        }
        for (const [key, list] of bySession(out.flatMap((o) => o.segments))) {
          const sorted = [...list].sort((a, b) => a.startMs - b.startMs);
          const eventTimes = times.get(key) ?? [];
          let prevEnd = Math.min(...eventTimes);
          for (const seg of sorted) {
            expect(seg.endMs).toBeGreaterThan(seg.startMs);
            expect(seg.startMs).toBeGreaterThanOrEqual(prevEnd);
            prevEnd = seg.endMs;
          }
          expect(prevEnd).toBeLessThanOrEqual(Math.max(...eventTimes));
        }
      }),
      RUNS,
    );
  });

  it('replaying the whole input afterwards under new ids credits no time twice, dropped sessions included', () => {
    fc.assert(
      fc.property(eventsArb, fc.option(capArb, { nil: undefined }), (events, maxSessions) => {
        const first = drive(events, { maxSessions });
        const replayed = events.map((e) => ({ ...e, id: `replay-${e.id}` }));
        const again = drive(replayed, {
          states: first.states,
          devices: createMemoryDeviceView(),
          maxSessions,
        });
        const both = [...first.out, ...again.out].flatMap((o) => o.segments);
        for (const list of bySession(both).values()) {
          const sorted = [...list].sort((a, b) => a.startMs - b.startMs);
          for (let i = 1; i < sorted.length; i++)
            expect(sorted[i]!.startMs).toBeGreaterThanOrEqual(sorted[i - 1]!.endMs);
        }
      }),
      RUNS,
    );
  });
});
