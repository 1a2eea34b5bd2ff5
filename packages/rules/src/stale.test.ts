import { describe, expect, it } from 'vitest';
import { end, flagsOf, hb, ms, run, seg, segsOf, start } from './testing/fixtures';

describe('Duplicates', () => {
  it('an event whose (platformId, id) was already processed has no effect at all — not even replayed_event', () => {
    const once = run([hb({ t: '08:00:00', seq: 1 }), hb({ t: '08:00:30', seq: 2 })]);
    const twice = run([
      hb({ t: '08:00:00', seq: 1 }),
      hb({ t: '08:00:30', seq: 2 }),
      hb({ t: '08:00:30', seq: 2 }),
    ]);
    expect(twice.outcomes).toEqual(['applied', 'applied', 'duplicate']);
    expect(twice.out[2]).toEqual({
      outcome: 'duplicate',
      segments: [],
      flags: [],
      sessions: [],
      certificates: [],
      deviceStarts: [],
    });
    expect(twice.states).toEqual(once.states);
  });

  it('the same id on another platform is another event', () => {
    const r = run([
      hb({ t: '08:00:00', seq: 1, id: 'e1' }),
      hb({ t: '08:00:10', seq: 1, id: 'e1', platform: 'p2', session: 'S9' }),
    ]);
    expect(r.outcomes).toEqual(['applied', 'applied']);
  });

  it('a duplicate of any type is recognised: start, end, quiz, certificate', () => {
    const events = [start({ t: '08:00:00' }), end({ t: '08:00:30' })];
    const r = run([...events, ...events]);
    expect(r.outcomes).toEqual(['applied', 'applied', 'duplicate', 'duplicate']);
  });

  it('beyond the newest 256 ids a resent heartbeat is stale: replayed_event, nothing credited', () => {
    const beats = Array.from({ length: 300 }, (_, i) =>
      hb({ t: new Date(ms('08:00:00') + i * 30_000).toISOString(), seq: i + 1 }),
    );
    const r = run([...beats, beats[0]!, beats[299]!]);
    expect(r.outcomes.slice(-2)).toEqual(['stale', 'duplicate']);
    expect(r.out[300]?.segments).toEqual([]);
    expect(flagsOf(r)).toEqual([{ kind: 'replayed_event', occurrences: 1, withheldMs: 0 }]);
  });
});

describe('Stale events credit nothing, change no state and raise replayed_event', () => {
  it.each([
    {
      name: 'a heartbeat whose seq is ≤ the last seq (stale seq)',
      stale: hb({ t: '08:01:00', seq: 2, id: 'again-2' }),
      note: 'heartbeat seq 2 ≤ last seq 2',
    },
    {
      name: 'a heartbeat whose time is ≤ the last timing time (stale time)',
      stale: hb({ t: '08:00:30', seq: 3 }),
      note: 'heartbeat time 2026-03-01T08:00:30.000Z ≤ last timing time 2026-03-01T08:00:30.000Z',
    },
    {
      name: 'a second session.start',
      stale: start({ t: '08:00:45', id: 'start-again' }),
      note: 'second session.start of the session',
    },
  ])('$name', ({ stale, note }) => {
    const before = [
      start({ t: '08:00:00' }),
      hb({ t: '08:00:00.500', seq: 1 }),
      hb({ t: '08:00:30', seq: 2 }),
    ];
    const after = [hb({ t: '08:01:00', seq: 3 })];
    const r = run([...before, stale, ...after]);
    const clean = run([...before, ...after]);
    expect(r.outcomes[3]).toBe('stale');
    expect(r.out[3]?.segments).toEqual([]);
    expect(segsOf(r)).toEqual(segsOf(clean));
    expect(r.out[3]?.flags).toMatchObject([{ kind: 'replayed_event', occurrences: 1, evidence: [{ note }] }]);
  });

  it('a heartbeat after the session ended', () => {
    const r = run([hb({ t: '08:00:00', seq: 1 }), end({ t: '08:00:30' }), hb({ t: '08:01:00', seq: 2 })]);
    expect(r.outcomes).toEqual(['applied', 'applied', 'stale']);
    expect(segsOf(r)).toEqual([seg('08:00:00', '08:00:30', 30_000)]);
    expect(flagsOf(r)).toEqual([{ kind: 'replayed_event', occurrences: 1, withheldMs: 0 }]);
  });

  it('a session.end after the session ended', () => {
    const r = run([
      hb({ t: '08:00:00', seq: 1 }),
      end({ t: '08:00:30' }),
      end({ t: '08:00:40', id: 'end-2' }),
    ]);
    expect(r.outcomes).toEqual(['applied', 'applied', 'stale']);
    expect(r.sessions.map((s) => s.endMs)).toEqual([null, ms('08:00:30')]);
  });
});

describe('session.end', () => {
  it('ends the session at max(t, p) and closes no interval when t ≤ p', () => {
    const r = run([hb({ t: '08:00:00', seq: 1 }), hb({ t: '08:00:30', seq: 2 }), end({ t: '08:00:20' })]);
    expect(segsOf(r)).toEqual([seg('08:00:00', '08:00:30', 30_000)]);
    expect(r.sessions.at(-1)).toMatchObject({ endMs: ms('08:00:30'), version: ms('08:00:30') * 1000 });
  });

  it('for a session that never began has no effect (ignored); a resend stays without effect after it begins', () => {
    const early = end({ t: '08:00:00' });
    const r = run([early, hb({ t: '08:00:10', seq: 1 }), early, hb({ t: '08:00:40', seq: 2 })]);
    expect(r.outcomes).toEqual(['ignored', 'applied', 'duplicate', 'applied']);
    expect(r.out[0]?.sessions).toEqual([]);
    expect(r.sessions.map((s) => s.endMs)).toEqual([null]);
    expect(segsOf(r)).toEqual([seg('08:00:10', '08:00:40', 30_000)]);
  });
});
