import type { AcceptedEvent } from '@hourglass/events';
import { describe, expect, it } from 'vitest';
import { end, flagsOf, hb, ms, policies, quiz, run, seg, segsOf, start } from './testing/fixtures';

function kindsRaisedBy(events: AcceptedEvent[], index: number): string[] {
  return run(events).out[index]?.flags.map((f) => f.kind) ?? [];
}

const at0 = (positionSec: number, extra: object = {}) => ({
  media: { positionSec, playing: true, ...extra },
});

describe('Progress manipulation flags withhold nothing', () => {
  it.each([
    { name: 'seek_ahead: 66 s of media in 30 s, more than 30 × 2.0 + 5', pos: 166, kinds: ['seek_ahead'] },
    { name: 'no seek_ahead at exactly 30 × 2.0 + 5 = 65 s', pos: 165, kinds: [] },
    { name: 'seeking backwards is no seek_ahead', pos: 10, kinds: [] },
  ])('$name', ({ pos, kinds }) => {
    const events = [hb({ t: '08:00:00', seq: 1, ...at0(100) }), hb({ t: '08:00:30', seq: 2, ...at0(pos) })];
    expect(kindsRaisedBy(events, 1)).toEqual(kinds);
    expect(segsOf(run(events))).toEqual([seg('08:00:00', '08:00:30', 30_000)]);
  });

  it.each([
    // In binary doubles 32.02 − 7.02 = 25.000000000000004 and 128.3 − 63.3 = 65.00000000000001.
    {
      name: 'no seek_ahead at exactly 10 × 2.0 + 5 = 25 s from 7.02 s to 32.02 s',
      from: 7.02,
      to: 32.02,
      t: '08:00:10',
      kinds: [],
    },
    {
      name: 'no seek_ahead at exactly 65 s from 63.3 s to 128.3 s',
      from: 63.3,
      to: 128.3,
      t: '08:00:30',
      kinds: [],
    },
    {
      name: 'seek_ahead 1 µs past the allowance, from 7.02 s to 32.020001 s',
      from: 7.02,
      to: 32.020001,
      t: '08:00:10',
      kinds: ['seek_ahead'],
    },
  ])('decimal positions compare as decimals (to the µs): $name', ({ from, to, t, kinds }) => {
    const events = [hb({ t: '08:00:00', seq: 1, ...at0(from) }), hb({ t, seq: 2, ...at0(to) })];
    expect(kindsRaisedBy(events, 1)).toEqual(kinds);
  });

  it('seek_ahead is relative to the previous heartbeat’s media position; without one there is nothing to compare', () => {
    const events = [hb({ t: '08:00:00', seq: 1 }), hb({ t: '08:00:30', seq: 2, ...at0(5000) })];
    expect(kindsRaisedBy(events, 1)).toEqual([]);
  });

  it('seek_ahead uses the uncapped elapsed time t − p', () => {
    const events = [hb({ t: '08:00:00', seq: 1, ...at0(0) }), hb({ t: '08:10:00', seq: 2, ...at0(1000) })];
    expect(kindsRaisedBy(events, 1)).toEqual([]);
  });

  it.each([
    { name: 'playback_rate: media.rate 2.5 > maxPlaybackRate 2.0', rate: 2.5, kinds: ['playback_rate'] },
    { name: 'no playback_rate at exactly 2.0', rate: 2, kinds: [] },
  ])('$name', ({ rate, kinds }) => {
    const events = [hb({ t: '08:00:00', seq: 1 }), hb({ t: '08:00:30', seq: 2, ...at0(0, { rate }) })];
    expect(kindsRaisedBy(events, 1)).toEqual(kinds);
  });

  it('playback_rate is raised by the heartbeat that begins a session too', () => {
    expect(kindsRaisedBy([hb({ t: '08:00:00', seq: 1, ...at0(0, { rate: 4 }) })], 0)).toEqual([
      'playback_rate',
    ]);
  });

  it('each raising event is one occurrence, with its evidence', () => {
    const r = run([
      hb({ t: '08:00:00', seq: 1, ...at0(0, { rate: 3 }) }),
      hb({ t: '08:00:30', seq: 2, ...at0(90, { rate: 3 }) }),
    ]);
    expect(flagsOf(r)).toEqual([
      { kind: 'playback_rate', occurrences: 2, withheldMs: 0 },
      { kind: 'seek_ahead', occurrences: 1, withheldMs: 0 },
    ]);
    expect(r.flags.find((f) => f.kind === 'seek_ahead')?.evidence).toEqual([
      {
        eventId: 'hb-L1-p1-S1-2-08:00:30',
        atMs: ms('08:00:30'),
        note: 'media advanced 90 s in 30 s (allowed 65 s)',
      },
    ]);
  });

  // Found in review: past ~1.8e302 s the positions in µs overflow to Infinity, and Infinity − Infinity
  // is NaN, which compares false both ways. positionSec is any number ≥ 0 (SPEC §2).
  it('a position that did not move is no seek, and media moving forward is activity, at any magnitude', () => {
    const still = run([
      hb({ t: '08:00:00', seq: 1, ...at0(1e308) }),
      hb({ t: '08:00:30', seq: 2, ...at0(1e308) }),
    ]);
    expect(flagsOf(still)).toEqual([]);
    const playing = run(
      [0, 1, 2].map((k) => hb({ t: `08:0${k}:00`, seq: k + 1, interactions: 0, ...at0((k + 1) * 1e307) })),
      policies({ idleTimeoutSec: 5 }),
    );
    expect(segsOf(playing)).toEqual([
      seg('08:00:00', '08:01:00', 60_000),
      seg('08:01:00', '08:02:00', 60_000),
    ]);
  });
});

describe('Quiz flags attach to the quiz’s session', () => {
  it.each([
    {
      name: 'quiz_too_fast: 10 questions in 29 s, under 10 × 3 s',
      durationSec: 29,
      kinds: ['quiz_too_fast'],
    },
    { name: 'no quiz_too_fast at exactly 30 s', durationSec: 30, kinds: [] },
  ])('$name', ({ durationSec, kinds }) => {
    const events = [start({ t: '08:00:00' }), quiz({ t: '08:00:30', questions: 10, durationSec })];
    expect(kindsRaisedBy(events, 1)).toEqual(kinds);
  });

  it.each([
    // In binary doubles 3 × 0.1 = 0.30000000000000004.
    { name: 'no quiz_too_fast for 3 questions in exactly 3 × 0.1 s', durationSec: 0.3, kinds: [] },
    { name: 'quiz_too_fast for 3 questions in 0.299999 s', durationSec: 0.299999, kinds: ['quiz_too_fast'] },
  ])('a fractional minQuizSecondsPerQuestion compares as a decimal: $name', ({ durationSec, kinds }) => {
    const r = run(
      [start({ t: '08:00:00' }), quiz({ t: '08:00:10', questions: 3, durationSec })],
      policies({ minQuizSecondsPerQuestion: 0.1 }),
    );
    expect(r.out[1]?.flags.map((f) => f.kind)).toEqual(kinds);
  });

  it('a quiz inside a live session of the learner is not outside', () => {
    const r = run([start({ t: '08:00:00' }), quiz({ t: '08:02:00', questions: 1, durationSec: 60 })]);
    expect(r.flags).toEqual([]);
  });

  it('a quiz at the last instant of the live span (start + 2 × 60 s) is inside; 1 ms later it is outside', () => {
    const inside = run([start({ t: '08:00:00' }), quiz({ t: '08:02:00', questions: 1, durationSec: 60 })]);
    const outside = run([
      start({ t: '08:00:00' }),
      quiz({ t: '08:02:00.001', questions: 1, durationSec: 60 }),
    ]);
    expect(inside.flags).toEqual([]);
    expect(outside.flags.map((f) => f.kind)).toEqual(['quiz_outside_session']);
  });

  it('a quiz when none of the learner’s sessions is live raises quiz_outside_session and credits nothing', () => {
    const r = run([
      hb({ t: '08:00:00', seq: 1 }),
      end({ t: '08:00:30' }),
      quiz({ t: '08:00:40', questions: 5, durationSec: 100, session: 'S9' }),
    ]);
    expect(r.out[2]?.flags).toMatchObject([
      {
        kind: 'quiz_outside_session',
        sessionId: 'S9',
        occurrences: 1,
        evidence: [{ note: 'quiz Q1: no session of the learner was live at its time' }],
      },
    ]);
    expect(r.out[2]?.segments).toEqual([]);
    expect(r.out[2]?.sessions).toEqual([]);
  });

  it('a session of the learner on another platform being live is enough', () => {
    const r = run([
      start({ t: '08:00:00', platform: 'p2', session: 'X' }),
      quiz({ t: '08:00:40', questions: 5, durationSec: 100 }),
    ]);
    expect(r.flags).toEqual([]);
  });
});
