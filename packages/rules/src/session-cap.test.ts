import type { AcceptedEvent } from '@hourglass/events';
import { describe, expect, it } from 'vitest';
import { serializeState } from './codec';
import { PRUNE_AFTER_MS } from './prune';
import { MAX_SESSIONS } from './session-cap';
import { flagsOf, hb, ms, quiz, run, seg, segsOf, start } from './testing/fixtures';

const at = (t: string, plusMs: number) => new Date(ms(t) + plusMs).toISOString();
const sessionsOf = (r: ReturnType<typeof run>) => r.states.get('L1')?.sessions.map((s) => s.sessionId);
const floorOf = (r: ReturnType<typeof run>) => r.states.get('L1')?.floorMs;

// S1 is touched last at 08:00:30, S2 at 08:01:00, S3 at 08:02:00: with a cap of 2, S3 drops S1.
const threeSessions: AcceptedEvent[] = [
  hb({ t: '08:00:00', seq: 1 }),
  hb({ t: '08:00:30', seq: 2 }),
  hb({ t: '08:01:00', seq: 1, session: 'S2' }),
  hb({ t: '08:02:00', seq: 1, session: 'S3' }),
];
const CAP_2 = { maxSessions: 2 };

describe('Session cap: a learner keeps at most MAX_SESSIONS sessions', () => {
  it('the cap is 100 sessions', () => {
    expect(MAX_SESSIONS).toBe(100);
  });

  it('by default the 101st session drops the least recently touched one and the floor rises to its touch', () => {
    const events = Array.from({ length: 101 }, (_, i) =>
      hb({ t: at('08:00:00', i * 1000), seq: 1, session: `M${i}` }),
    );
    const r = run(events);
    expect(r.outcomes.every((o) => o === 'applied')).toBe(true);
    expect(sessionsOf(r)).toHaveLength(100);
    expect(sessionsOf(r)?.[0]).toBe('M1');
    expect(floorOf(r)).toBe(ms('08:00:00'));
  });

  it('at the cap nothing is dropped and there is no floor', () => {
    const r = run(threeSessions.slice(0, 3), undefined, CAP_2);
    expect(sessionsOf(r)).toEqual(['S1', 'S2']);
    expect(floorOf(r)).toBeNull();
  });

  it('past the cap the least recently touched session is dropped; time it was credited stays credited', () => {
    const r = run(threeSessions, undefined, CAP_2);
    expect(sessionsOf(r)).toEqual(['S2', 'S3']);
    expect(floorOf(r)).toBe(ms('08:00:30'));
    expect(segsOf(r)).toEqual([seg('08:00:00', '08:00:30', 30_000)]);
  });

  it('a heartbeat earlier than a session’s latest touch does not move the touch back', () => {
    // A quiz of S1 at 08:05 touches S1 last; S1's heartbeat at 08:00:30 comes after it (receipt order)
    // and is not stale. The least recently touched session is then S2 (08:02), not S1.
    const events = [
      hb({ t: '08:00:00', seq: 1 }),
      quiz({ t: '08:05:00', questions: 1, durationSec: 60 }),
      hb({ t: '08:00:30', seq: 2 }),
      hb({ t: '08:02:00', seq: 1, session: 'S2' }),
      hb({ t: '08:03:00', seq: 1, session: 'S3' }),
    ];
    const r = run(events, undefined, CAP_2);
    expect(r.outcomes).toEqual(['applied', 'applied', 'applied', 'applied', 'applied']);
    expect(sessionsOf(r)).toEqual(['S1', 'S3']);
    expect(floorOf(r)).toBe(ms('08:02:00'));
  });

  it('sessions touched at the same instant are dropped together, whatever their order', () => {
    const tied = [
      hb({ t: '08:00:00', seq: 1, session: 'Sa' }),
      hb({ t: '08:00:00', seq: 1, session: 'Sb' }),
      hb({ t: '08:01:00', seq: 1, session: 'Sc' }),
    ];
    for (const events of [tied, [tied[1]!, tied[0]!, tied[2]!]]) {
      const r = run(events, undefined, CAP_2);
      expect(sessionsOf(r)).toEqual(['Sc']);
      expect(floorOf(r)).toBe(ms('08:00:00'));
    }
  });

  it.each([
    [
      'a replayed heartbeat of the dropped session (new id, at its last time)',
      hb({ t: '08:00:30', seq: 2, id: 'again' }),
    ],
    ['a late heartbeat of the dropped session at the floor', hb({ t: '08:00:30', seq: 3 })],
    ['a session.start of a new session at the floor', start({ t: '08:00:30', session: 'S9' })],
    ['a heartbeat of a new session before the floor', hb({ t: '08:00:10', seq: 1, session: 'S9' })],
    [
      'a quiz that would need a placeholder session at the floor',
      quiz({ t: '08:00:30', session: 'S9', questions: 10, durationSec: 1 }),
    ],
  ])('%s is ignored: it credits nothing and begins nothing', (_name, event) => {
    const before = run(threeSessions, undefined, CAP_2);
    const r = run([...threeSessions, event], undefined, CAP_2);
    expect(r.outcomes.at(-1)).toBe('ignored');
    expect(r.segments).toEqual(before.segments);
    expect(r.flagUpdates).toEqual(before.flagUpdates);
    expect(sessionsOf(r)).toEqual(['S2', 'S3']);
  });

  it('an event a millisecond after the floor begins a session (which, touched least recently, is the next to go)', () => {
    const r = run([...threeSessions, start({ t: '08:00:30.001', session: 'S9' })], undefined, CAP_2);
    expect(r.outcomes.at(-1)).toBe('applied');
    expect(r.sessions.at(-1)).toMatchObject({
      sessionId: 'S9',
      startMs: ms('08:00:30.001'),
      version: ms('08:00:30.001') * 1000,
    });
    expect(sessionsOf(r)).toEqual(['S2', 'S3']);
    expect(floorOf(r)).toBe(ms('08:00:30.001'));
  });

  it('a dropped session whose heartbeats go on begins anew: its first new heartbeat credits nothing, the next one 30 s', () => {
    const r = run(
      [...threeSessions, hb({ t: '08:03:00', seq: 3 }), hb({ t: '08:03:30', seq: 4 })],
      undefined,
      CAP_2,
    );
    expect(r.outcomes.slice(-2)).toEqual(['applied', 'applied']);
    expect(segsOf(r)).toEqual([seg('08:00:00', '08:00:30', 30_000), seg('08:03:00', '08:03:30', 30_000)]);
  });

  it('a session still held is processed as before, also for events before the floor', () => {
    // S2 is kept (touched 08:01:00); its late heartbeat at 08:00:20 is older than its last one: stale.
    const r = run([...threeSessions, hb({ t: '08:00:20', seq: 2, session: 'S2' })], undefined, CAP_2);
    expect(r.outcomes.at(-1)).toBe('stale');
    expect(flagsOf(r, 'S2')).toEqual([{ kind: 'replayed_event', occurrences: 1, withheldMs: 0 }]);
  });

  it('the floor is forgotten once the 7-day pruning horizon has passed it, and the state is format 2 again', () => {
    const capped = run(threeSessions, undefined, CAP_2);
    expect(serializeState(capped.states.get('L1')!).startsWith('3|')).toBe(true);
    const later = hb({ t: at('08:00:30', PRUNE_AFTER_MS + 1), seq: 2, session: 'S3' });
    const r = run([...threeSessions, later], undefined, CAP_2);
    expect(floorOf(r)).toBeNull();
    expect(sessionsOf(r)).toEqual(['S2', 'S3']);
    expect(serializeState(r.states.get('L1')!).startsWith('2|')).toBe(true);
  });

  it('refuses a cap below 1', () => {
    expect(() => run(threeSessions.slice(0, 1), undefined, { maxSessions: 0 })).toThrow(RangeError);
  });

  it('the floor stays while the pruning horizon is at or before it', () => {
    const atHorizon = hb({ t: at('08:00:30', PRUNE_AFTER_MS), seq: 2, session: 'S3' });
    const r = run([...threeSessions, atHorizon], undefined, CAP_2);
    expect(floorOf(r)).toBe(ms('08:00:30'));
    expect(sessionsOf(r)).toEqual(['S2', 'S3']);
  });
});
