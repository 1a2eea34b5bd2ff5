import { flagIdOf } from '@hourglass/events';
import { describe, expect, it } from 'vitest';
import { MAX_EVIDENCE } from './flags';
import { hb, idleHb, ms, policies, quiz, run } from './testing/fixtures';

describe('Flags: one per (session, kind), each update the full flag', () => {
  const beats = [
    hb({ t: '08:00:00', seq: 1 }),
    ...Array.from({ length: 7 }, (_, i) =>
      idleHb({ t: new Date(ms('08:00:30') + i * 30_000).toISOString(), seq: i + 2 }),
    ),
  ];
  const r = run(beats, policies({ idleTimeoutSec: 10 }));
  const updates = r.flagUpdates;

  it('the flag id is flagIdOf(platformId, sessionId, kind) and segments name it', () => {
    expect(new Set(updates.map((u) => u.flagId))).toEqual(new Set([flagIdOf('p1', 'S1', 'idle')]));
    expect(
      r.segments.filter((s) => s.status === 'withheld').every((s) => s.flagIds[0] === updates[0]?.flagId),
    ).toBe(true);
  });

  it('every raising event is one occurrence and bumps the version to its time in ms × 1000', () => {
    expect(updates.map((u) => [u.occurrences, u.version])).toEqual(
      Array.from({ length: 7 }, (_, i) => [i + 1, (ms('08:00:30') + i * 30_000) * 1000]),
    );
  });

  it('a version is the previous one plus one when that is more than the time in ms × 1000', () => {
    // Two raising events in the same millisecond (a quiz resent under a new id): the second goes one up.
    const quizzes = run([
      hb({ t: '08:00:00', seq: 1 }),
      quiz({ t: '08:00:10', questions: 10, durationSec: 5, quizId: 'q-a' }),
      quiz({ t: '08:00:10', questions: 10, durationSec: 5, quizId: 'q-b' }),
    ]);
    expect(quizzes.flagUpdates.map((u) => u.version)).toEqual([
      ms('08:00:10') * 1000,
      ms('08:00:10') * 1000 + 1,
    ]);
  });

  it('withheldMs is the sum of the withheld ms of the segments carrying the kind', () => {
    const carrying = r.segments.filter((s) => s.kinds.includes('idle'));
    expect(updates.at(-1)?.withheldMs).toBe(carrying.reduce((sum, s) => sum + s.endMs - s.startMs, 0));
    expect(updates.at(-1)?.withheldMs).toBe(20_000 + 6 * 30_000);
  });

  it('firstAtMs and lastAtMs are the times of the first and latest raising events', () => {
    expect(updates.at(-1)).toMatchObject({ firstAtMs: ms('08:00:30'), lastAtMs: ms('08:03:30') });
  });

  it(`keeps the raising evidence and the ${MAX_EVIDENCE - 1} most recent pieces`, () => {
    const evidence = updates.at(-1)?.evidence ?? [];
    expect(evidence.map((e) => e.atMs)).toEqual([
      ms('08:00:30'),
      ms('08:02:00'),
      ms('08:02:30'),
      ms('08:03:00'),
      ms('08:03:30'),
    ]);
    expect(evidence[0]).toEqual(updates[0]?.evidence[0]);
    expect(evidence[1]?.note).toBe('30 s idle; last activity 120 s before');
  });

  it('carries the learner and session', () => {
    expect(updates[0]).toMatchObject({ kind: 'idle', learnerId: 'L1', platformId: 'p1', sessionId: 'S1' });
  });
});
