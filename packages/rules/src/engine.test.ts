import type { AcceptedEvent } from '@hourglass/events';
import { describe, expect, it } from 'vitest';
import { applyEvent } from './engine';
import { createMemoryDeviceView } from './run';
import { emptyLearnerState } from './state';
import { end, hb, policies, start } from './testing/fixtures';

const ctx = { policyFor: policies(), devices: createMemoryDeviceView() };

describe('applyEvent', () => {
  it('returns the very same state object for a duplicate', () => {
    const first = applyEvent(emptyLearnerState('L1'), hb({ t: '08:00:00', seq: 1 }), ctx);
    const again = applyEvent(first.state, hb({ t: '08:00:00', seq: 1 }), ctx);
    expect(again.out.outcome).toBe('duplicate');
    expect(again.state).toBe(first.state);
  });

  it('leaves the input state untouched and shares the sessions it did not change', () => {
    let s = emptyLearnerState('L1');
    for (const e of [start({ t: '08:00:00' }), start({ t: '08:00:05', session: 'S2', platform: 'p2' })]) {
      s = applyEvent(s, e, ctx).state;
    }
    const before = JSON.stringify(s);
    const next = applyEvent(s, hb({ t: '08:00:30', seq: 1 }), ctx).state;
    expect(JSON.stringify(s)).toBe(before);
    expect(next.sessions[1]).toBe(s.sessions[1]);
    expect(next.sessions[0]).not.toBe(s.sessions[0]);
  });

  it('is deterministic: the same inputs give the same outputs', () => {
    const e = hb({ t: '08:00:30', seq: 2 });
    const s = applyEvent(emptyLearnerState('L1'), hb({ t: '08:00:00', seq: 1 }), ctx).state;
    expect(applyEvent(s, e, ctx)).toEqual(applyEvent(s, e, ctx));
  });

  it('refuses an event of another learner: that is a routing bug, not data', () => {
    expect(() => applyEvent(emptyLearnerState('L2'), hb({ t: '08:00:00', seq: 1 }), ctx)).toThrow(RangeError);
  });

  it('refuses an event of a type it does not know, with the type in the message, instead of returning nothing', () => {
    const odd = { ...hb({ t: '08:00:00', seq: 1 }), type: 'heartbeat.v2' } as unknown as AcceptedEvent;
    expect(() => applyEvent(emptyLearnerState('L1'), odd, ctx)).toThrow(
      /^event .+ has an unknown type "heartbeat\.v2"$/,
    );
  });

  it('reports every kind of outcome with empty outputs where nothing happened', () => {
    const ignored = applyEvent(emptyLearnerState('L1'), end({ t: '08:00:00' }), ctx);
    expect(ignored.out).toEqual({
      outcome: 'ignored',
      segments: [],
      flags: [],
      sessions: [],
      certificates: [],
      deviceStarts: [],
    });
    expect(ignored.state.seen.length).toBe(8);
  });
});
