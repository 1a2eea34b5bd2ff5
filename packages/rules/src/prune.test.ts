import { describe, expect, it } from 'vitest';
import { PRUNE_AFTER_MS } from './prune';
import { hb, ms, run, start } from './testing/fixtures';

const DAY_MS = 86_400_000;
const later = (t: string, plusMs: number) => new Date(ms(t) + plusMs).toISOString();

describe('Pruning: state untouched for more than 7 days of event time is dropped', () => {
  it('the horizon is 7 days plus ingest’s 30 s future tolerance', () => {
    expect(PRUNE_AFTER_MS).toBe(7 * DAY_MS + 30_000);
  });

  it('a session untouched for longer than the horizon is dropped, with the dedupe ring', () => {
    const r = run([
      hb({ t: '08:00:00', seq: 1 }),
      hb({ t: '08:00:30', seq: 2 }),
      hb({ t: later('08:00:30', PRUNE_AFTER_MS + 1), seq: 1, session: 'S2' }),
    ]);
    const state = r.states.get('L1');
    expect(state?.sessions.map((s) => s.sessionId)).toEqual(['S2']);
    expect(state?.seen.length).toBe(8);
  });

  it('a session touched exactly at the horizon is kept', () => {
    const r = run([
      hb({ t: '08:00:00', seq: 1 }),
      hb({ t: later('08:00:00', PRUNE_AFTER_MS), seq: 1, session: 'S2' }),
    ]);
    expect(r.states.get('L1')?.sessions.map((s) => s.sessionId)).toEqual(['S1', 'S2']);
  });

  it('an event older than the horizon cannot begin a session again (ignored)', () => {
    const old = start({ t: '08:00:00', session: 'S-old' });
    const r = run([hb({ t: later('08:00:00', 8 * DAY_MS), seq: 1 }), old]);
    expect(r.outcomes).toEqual(['applied', 'ignored']);
    expect(r.states.get('L1')?.sessions.map((s) => s.sessionId)).toEqual(['S1']);
  });
});
