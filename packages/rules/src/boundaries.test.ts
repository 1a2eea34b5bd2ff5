import { describe, expect, it } from 'vitest';
import { end, flagsOf, hb, idleHb, policies, quiz, run, seg, segsOf, start } from './testing/fixtures';

// Each case pins a boundary or a "which value" choice that a hand-made mutant of the rules changed
// while the rest of the suite still passed (mutation review).
describe('SPEC §4 boundaries and which-value choices', () => {
  it('an active heartbeat sets A = max(A, t): a later quiz processed before it keeps counting (README decision)', () => {
    const r = run([
      start({ t: '08:00:00' }),
      hb({ t: '08:05:00', seq: 1, interval: 300 }), // active; live until 08:15
      quiz({ t: '08:14:00', questions: 1, durationSec: 10 }), // live: A = 08:14
      hb({ t: '08:10:00', seq: 2, interval: 300 }), // active, processed after the quiz: A stays 08:14
      idleHb({ t: '08:20:00', seq: 3, interval: 300 }), // engaged up to A + 300 s = 08:19
    ]);
    expect(segsOf(r)).toEqual([
      seg('08:00:00', '08:05:00', 300_000),
      seg('08:05:00', '08:10:00', 300_000),
      seg('08:10:00', '08:19:00', 540_000),
      seg('08:19:00', '08:20:00', 60_000, ['idle']),
    ]);
    expect(flagsOf(r)).toEqual([{ kind: 'idle', occurrences: 1, withheldMs: 60_000 }]);
  });

  it('media counts only against the position of the previous heartbeat itself, not an older one (README decision)', () => {
    const r = run(
      [
        start({ t: '08:00:00' }),
        hb({ t: '08:00:30', seq: 1, media: { positionSec: 0, rate: 1, playing: true } }), // active: A = 08:00:30
        hb({ t: '08:01:00', seq: 2, interactions: 0 }), // no media, no input: inactive
        hb({ t: '08:01:30', seq: 3, interactions: 0, media: { positionSec: 60, rate: 1, playing: true } }),
      ],
      policies({ idleTimeoutSec: 5 }),
    );
    // hb 3's previous heartbeat reported no position: its media cannot make it active.
    expect(segsOf(r)).toEqual([
      seg('08:00:00', '08:00:30', 30_000),
      seg('08:00:30', '08:00:35', 5_000),
      seg('08:00:35', '08:01:00', 25_000, ['idle']),
      seg('08:01:00', '08:01:30', 30_000, ['idle']),
    ]);
    expect(flagsOf(r)).toEqual([{ kind: 'idle', occurrences: 2, withheldMs: 55_000 }]);
  });

  it('session.end caps its window with the last heartbeat’s intervalSec, not the first one’s', () => {
    const r = run([
      start({ t: '08:00:00' }),
      hb({ t: '08:00:30', seq: 1, interval: 30 }),
      hb({ t: '08:01:00', seq: 2, interval: 300 }), // A = 08:01:00; cap now 2 × 300 s
      end({ t: '08:09:00' }), // W = (08:01, min(08:09, 08:11)]
    ]);
    expect(segsOf(r)).toEqual([
      seg('08:00:00', '08:00:30', 30_000),
      seg('08:00:30', '08:01:00', 30_000),
      seg('08:01:00', '08:06:00', 300_000),
      seg('08:06:00', '08:09:00', 180_000, ['idle']),
    ]);
  });

  it('a quiz at exactly the session’s start time is inside the live span: no quiz_outside_session', () => {
    const r = run([start({ t: '08:00:00' }), quiz({ t: '08:00:00', questions: 1, durationSec: 10 })]);
    expect(flagsOf(r)).toEqual([]);
  });

  it('a session whose live span ends exactly where the window begins is not concurrent evidence', () => {
    const r = run([
      start({ t: '08:00:00', session: 'SA' }),
      start({ t: '08:01:00', session: 'SB' }),
      start({ t: '08:02:00', session: 'SC' }),
      end({ t: '08:05:00', session: 'SA' }), // SA live [08:00, 08:05]
      hb({ t: '08:05:00', seq: 1, interval: 300, session: 'SB' }), // SB live until 08:15
      hb({ t: '08:05:00', seq: 1, interval: 300, session: 'SC' }), // (08:02, 08:05]: SA and SB
      hb({ t: '08:05:30', seq: 2, interval: 300, session: 'SC' }), // (08:05, 08:05:30]: SB only
    ]);
    const flag = r.flags.find((f) => f.sessionId === 'SC' && f.kind === 'concurrent_session');
    expect(flag?.evidence.map((e) => `${e.sessionId} ${e.note}`)).toEqual([
      'SA overlaps p1/SA for 180 s',
      'SB overlaps p1/SB for 180 s',
      'SB overlaps p1/SB for 30 s',
    ]);
    expect(segsOf(r, 'SC')).toEqual([
      seg('08:02:00', '08:05:00', 180_000, ['concurrent_session']),
      seg('08:05:00', '08:05:30', 30_000, ['concurrent_session']),
    ]);
  });

  it('a device start exactly 24 h before counts towards the shared-device limit (inclusive)', () => {
    const r = run([
      start({ t: '2026-03-01T08:00:00Z', learner: 'L1', session: 'S1' }),
      start({ t: '2026-03-01T09:00:00Z', learner: 'L2', session: 'S2' }),
      start({ t: '2026-03-01T10:00:00Z', learner: 'L3', session: 'S3' }),
      start({ t: '2026-03-02T08:00:00Z', learner: 'L4', session: 'S4' }),
    ]);
    expect(r.flags.map((f) => [f.learnerId, f.kind, f.evidence[0]?.learnerIds])).toEqual([
      ['L4', 'shared_device', ['L1', 'L2', 'L3', 'L4']],
    ]);
  });

  it('a quiz of its own session that is no longer live is not activity', () => {
    const r = run([
      start({ t: '08:00:00' }),
      hb({ t: '08:00:30', seq: 1, interval: 30 }), // A = 08:00:30; live until 08:01:30
      quiz({ t: '08:04:00', questions: 1, durationSec: 10 }), // not live: A stays
      idleHb({ t: '08:10:00', seq: 2, interval: 300 }), // W = (08:00:30, 08:10:00], cut A + 300 s = 08:05:30
    ]);
    expect(segsOf(r)).toEqual([
      seg('08:00:00', '08:00:30', 30_000),
      seg('08:00:30', '08:05:30', 300_000),
      seg('08:05:30', '08:10:00', 270_000, ['idle']),
    ]);
    expect(flagsOf(r)).toEqual([
      { kind: 'idle', occurrences: 1, withheldMs: 270_000 },
      { kind: 'quiz_outside_session', occurrences: 1, withheldMs: 0 },
    ]);
  });

  it('a live quiz earlier than the latest activity does not move A back (A := max(A, its time))', () => {
    const r = run([
      start({ t: '08:00:00' }),
      hb({ t: '08:05:00', seq: 1, interval: 300 }), // A = 08:05
      quiz({ t: '08:03:00', questions: 1, durationSec: 10 }), // live; A = max(08:05, 08:03) = 08:05
      idleHb({ t: '08:15:00', seq: 2, interval: 300 }), // cut A + 300 s = 08:10
    ]);
    expect(segsOf(r)).toEqual([
      seg('08:00:00', '08:05:00', 300_000),
      seg('08:05:00', '08:10:00', 300_000),
      seg('08:10:00', '08:15:00', 300_000, ['idle']),
    ]);
  });

  it('quiz_too_fast uses the quiz platform’s own minQuizSecondsPerQuestion (policy per platform)', () => {
    const r = run(
      [start({ t: '08:00:00' }), quiz({ t: '08:01:00', questions: 3, durationSec: 20 })],
      policies({}, { p1: { minQuizSecondsPerQuestion: 10 } }),
    );
    expect(flagsOf(r)).toEqual([{ kind: 'quiz_too_fast', occurrences: 1, withheldMs: 0 }]);
  });

  it('media advance is measured against the uncapped t − p: 60 s of media in 180 s is not activity, even with a 60 s cap', () => {
    const r = run(
      [
        start({ t: '08:00:00' }),
        hb({ t: '08:00:30', seq: 1, interval: 30, media: { positionSec: 0, rate: 1, playing: true } }), // A = 08:00:30
        // t − p = 180 s, cap 60 s: needs ≥ 90 s of media; 60 s is not enough, so the window is idle after A + 10 s.
        hb({
          t: '08:03:30',
          seq: 2,
          interval: 30,
          interactions: 0,
          media: { positionSec: 60, rate: 1, playing: true },
        }),
      ],
      policies({ idleTimeoutSec: 10 }),
    );
    expect(segsOf(r)).toEqual([
      seg('08:00:00', '08:00:30', 30_000),
      seg('08:00:30', '08:00:40', 10_000),
      seg('08:00:40', '08:01:30', 50_000, ['idle']),
    ]);
    expect(flagsOf(r)).toEqual([{ kind: 'idle', occurrences: 1, withheldMs: 50_000 }]);
  });

  it('a flag raised again by an earlier event processed later keeps firstAt at the earliest time', () => {
    const r = run([
      start({ t: '08:00:00' }),
      hb({ t: '08:05:00', seq: 1, interval: 300 }), // live until 08:15
      quiz({ t: '08:10:00', quizId: 'Q1', questions: 10, durationSec: 5 }),
      quiz({ t: '08:06:00', quizId: 'Q2', questions: 10, durationSec: 5 }),
    ]);
    const flag = r.flags.find((f) => f.kind === 'quiz_too_fast');
    expect([flag?.firstAtMs, flag?.lastAtMs, flag?.occurrences]).toEqual([
      Date.parse('2026-03-01T08:06:00Z'),
      Date.parse('2026-03-01T08:10:00Z'),
      2,
    ]);
  });

  it('a quiz is inside a session when a session of the learner on another platform is live', () => {
    const r = run([
      start({ t: '07:00:00', platform: 'p1', session: 'S0' }),
      end({ t: '07:10:00', platform: 'p1', session: 'S0' }), // p1/S0 live [07:00, 07:10]
      start({ t: '08:00:00', platform: 'p2', session: 'S2' }), // p2/S2 live [08:00, 08:02]
      quiz({ t: '08:01:00', platform: 'p1', session: 'S1', questions: 1, durationSec: 10 }),
    ]);
    expect(r.flags.map((f) => [f.platformId, f.sessionId, f.kind])).toEqual([]);
  });
});
