import { validateEvent } from '@hourglass/events';
import { describe, expect, it } from 'vitest';
import { PRUNE_AFTER_MS, SESSION_KEEP_MS } from './prune';
import { cert, hb, ms, run, segsOf, start } from './testing/fixtures';

const DAY_MS = 86_400_000;
const later = (t: string, plusMs: number) => new Date(ms(t) + plusMs).toISOString();

describe('Pruning: ids older than the horizon are forgotten, sessions twice that', () => {
  it('the horizon is 7 days plus ingest’s 30 s future tolerance; sessions are kept twice as long', () => {
    expect(PRUNE_AFTER_MS).toBe(7 * DAY_MS + 30_000);
    expect(SESSION_KEEP_MS).toBe(14 * DAY_MS + 60_000);
  });

  it('past the horizon the dedupe ring is cleared; past twice the horizon the session is dropped', () => {
    const r = run([
      hb({ t: '08:00:00', seq: 1 }),
      hb({ t: '08:00:30', seq: 2 }),
      hb({ t: later('08:00:30', PRUNE_AFTER_MS + 1), seq: 1, session: 'S2' }),
    ]);
    const state = r.states.get('L1');
    expect(state?.sessions.map((s) => s.sessionId)).toEqual(['S1', 'S2']);
    expect(state?.seen.length).toBe(8);
    const dropped = run([
      hb({ t: '08:00:00', seq: 1 }),
      hb({ t: '08:00:30', seq: 2 }),
      hb({ t: later('08:00:30', SESSION_KEEP_MS + 1), seq: 1, session: 'S2' }),
    ]);
    expect(dropped.states.get('L1')?.sessions.map((s) => s.sessionId)).toEqual(['S2']);
  });

  it('a session touched exactly twice the horizon before the latest event is kept', () => {
    const r = run([
      hb({ t: '08:00:00', seq: 1 }),
      hb({ t: later('08:00:00', SESSION_KEEP_MS), seq: 1, session: 'S2' }),
    ]);
    expect(r.states.get('L1')?.sessions.map((s) => s.sessionId)).toEqual(['S1', 'S2']);
  });

  // Found in review: sessions were dropped one horizon after their last touch, measured against the
  // learner's latest event, so an upload that ingest accepts could find its session gone.
  it('an offline upload received a week late still closes its window after the learner’s newer events', () => {
    const events = [
      start({ t: '2026-03-01T08:00:00Z', region: '110105' }),
      hb({ t: '2026-03-01T08:00:10Z', seq: 1 }),
      // A week later the learner studies on another platform, and is certified.
      hb({ t: '2026-03-08T08:00:00Z', seq: 1, platform: 'p2', session: 'T1' }),
      cert({ t: '2026-03-08T08:00:41Z' }),
      // Then the first platform uploads the rest of the first session (r − t = 7 d − 9 s).
      hb({ t: '2026-03-01T08:00:50Z', r: '2026-03-08T08:00:41Z', seq: 2 }),
      hb({ t: '2026-03-01T08:01:20Z', r: '2026-03-08T08:00:41Z', seq: 3 }),
    ];
    for (const e of events) {
      const { receivedAt, ...raw } = e;
      const v = validateEvent(raw, { platformId: e.platformId, receivedAtMs: Date.parse(receivedAt) });
      expect(v.ok, JSON.stringify(v)).toBe(true);
    }
    const r = run(events);
    expect(r.outcomes).toEqual(['applied', 'applied', 'applied', 'applied', 'applied', 'applied']);
    expect(segsOf(r)).toEqual([
      { from: '2026-03-01T08:00:00.000Z', to: '2026-03-01T08:00:10.000Z', ms: 10_000, kinds: [] },
      {
        from: '2026-03-01T08:00:10.000Z',
        to: '2026-03-01T08:00:50.000Z',
        ms: 40_000,
        kinds: ['late_report'],
      },
      {
        from: '2026-03-01T08:00:50.000Z',
        to: '2026-03-01T08:01:20.000Z',
        ms: 30_000,
        kinds: ['late_report'],
      },
    ]);
    // The session keeps the attributes of its start.
    const regions = r.segments.filter((s) => s.sessionId === 'S1').map((s) => s.region);
    expect(new Set(regions)).toEqual(new Set(['110105']));
  });

  it('an event older than the horizon cannot begin a session again (ignored)', () => {
    const old = start({ t: '08:00:00', session: 'S-old' });
    const r = run([hb({ t: later('08:00:00', 8 * DAY_MS), seq: 1 }), old]);
    expect(r.outcomes).toEqual(['applied', 'ignored']);
    expect(r.states.get('L1')?.sessions.map((s) => s.sessionId)).toEqual(['S1']);
  });
});
