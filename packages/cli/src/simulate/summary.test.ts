import { describe, expect, it } from 'vitest';
import { labelOf } from './scenarios';
import { failures, formatSummary, type Summary, scoreFlags } from './summary';

const labels = new Map([
  ['h1', labelOf('honest')],
  ['h2', labelOf('honest')],
  ['i1', labelOf('idler')],
  ['i2', labelOf('idler')],
  ['f1', labelOf('fast_playback')],
]);

describe('scoreFlags', () => {
  it('counts a cheater only with a flag of an expected kind, an honest learner with any flag', () => {
    const d = scoreFlags(labels, [
      { kind: 'idle', learnerId: 'i1' },
      { kind: 'late_report', learnerId: 'i2' },
      // A by-product kind alone does not detect fast playback.
      { kind: 'seek_ahead', learnerId: 'f1' },
      { kind: 'quiz_too_fast', learnerId: 'h2' },
      { kind: 'idle', learnerId: 'someone-else' },
    ]);
    expect(d).toMatchObject({ cheaters: 3, detected: 1, honest: 2, falselyFlagged: 1, flags: 4 });
    expect(d.recall).toBeCloseTo(1 / 3);
    expect(d.falseAlarmRate).toBe(0.5);
    expect(d.byScenario.idler).toMatchObject({
      learners: 2,
      detected: 1,
      rate: 0.5,
      kinds: { idle: 1, late_report: 1 },
    });
    expect(d.byScenario.honest).toMatchObject({ learners: 2, detected: 1, kinds: { quiz_too_fast: 1 } });
  });

  it('reports full recall and no false alarms for empty populations', () => {
    const d = scoreFlags(new Map(), []);
    expect(d.recall).toBe(1);
    expect(d.falseAlarmRate).toBe(0);
  });
});

describe('failures: when a run passes', () => {
  const passing: Summary = {
    ...scoreFlags(labels, [
      { kind: 'idle', learnerId: 'i1' },
      { kind: 'idle', learnerId: 'i2' },
      { kind: 'playback_rate', learnerId: 'f1' },
    ]),
    mode: 'replay',
    sent: 10,
    accepted: 10,
    rejected: 0,
    rejectionCodes: {},
    rejectionSamples: [],
    caughtUp: true,
    hours: { honestStudied: 1.25, honestVerified: 1.25, cheatersVerified: 0.5, pending: 0.2, rejected: 0 },
    elapsedMs: 1000,
  };

  it('passes with every cheater flagged, no honest learner, exact honest hours, caught up', () => {
    expect(failures(passing)).toEqual([]);
    expect(formatSummary(passing)).toContain('result        passed');
  });

  it.each([
    ['not caught up', { caughtUp: false }, 'the pipeline had not caught up'],
    ['one cheater missed (99 % recall is not enough)', { detected: 2 }, '1 of 3 cheaters not flagged'],
    ['an honest learner flagged', { falselyFlagged: 1 }, '1 honest learners flagged'],
    ['hours unreadable', { hours: undefined }, 'the hours could not be read'],
    [
      'half the honest hours verified',
      { hours: { ...passing.hours!, honestVerified: 0.625 } },
      'honest verified 0.625 h of 1.25 h studied',
    ],
    [
      'nothing reflected at all, no cheaters to miss',
      { cheaters: 0, detected: 0, recall: 1, hours: { ...passing.hours!, honestVerified: 0 } },
      'honest verified 0 h of 1.25 h studied',
    ],
  ] as const)('fails when %s', (_what, patch, why) => {
    const s = { ...passing, ...patch } as Summary;
    expect(failures(s)).toEqual([why]);
    expect(formatSummary(s)).toContain(`result        FAILED: ${why}`);
  });
});

describe('formatSummary', () => {
  it('prints one row per scenario present and the totals', () => {
    const d = scoreFlags(labels, [
      { kind: 'idle', learnerId: 'i1' },
      { kind: 'idle', learnerId: 'i2' },
      { kind: 'playback_rate', learnerId: 'f1' },
      { kind: 'seek_ahead', learnerId: 'f1' },
    ]);
    const summary: Summary = {
      ...d,
      mode: 'replay',
      sent: 10,
      accepted: 9,
      rejected: 1,
      rejectionCodes: { time_in_future: 1 },
      rejectionSamples: ['x.hb1 — heartbeat.time time_in_future: is later than receipt + 30 s'],
      caughtUp: false,
      elapsedMs: 1500,
    };
    const text = formatSummary(summary);
    expect(text).toMatch(/^scenario\s+learners\s+detected\s+rate/);
    expect(text).toMatch(/honest\s+2\s+0 flagged\s+0\.0 %/);
    expect(text).toMatch(/fast_playback\s+1\s+1\s+100\.0 %\s+playback_rate\s+playback_rate 1, seek_ahead 1/);
    expect(text).not.toMatch(/^seeker/m);
    expect(text).toContain('sent 10, accepted 9, rejected 1 (replay mode)');
    expect(text).toContain('time_in_future 1');
    expect(text).toContain('3/3 cheaters flagged with an expected kind = 100.0 %');
    expect(text).toContain('0/2 honest learners flagged = 0.0 %');
    expect(text).toContain('had not caught up');
  });
});
