import { describe, expect, it } from 'vitest';
import { end, flagsOf, hb, idleHb, policies, run, seg, segsOf, start } from './testing/fixtures';

describe('Late reports: r − t > maxDelaySec withholds all of W as late_report, whatever else applies', () => {
  it.each([
    { name: 'received 121 s after its time: withheld', r: '08:02:31', kinds: ['late_report' as const] },
    { name: 'received exactly 120 s after its time: verified', r: '08:02:30', kinds: [] },
  ])('$name', ({ r, kinds }) => {
    const out = run([hb({ t: '08:00:00', seq: 1 }), hb({ t: '08:00:30', seq: 2, r })]);
    expect(segsOf(out)).toEqual([seg('08:00:00', '08:00:30', 30_000, kinds)]);
  });

  it('late and idle together: the kinds of each piece are the union', () => {
    const r = run(
      [start({ t: '08:00:00' }), idleHb({ t: '08:02:00', seq: 1, interval: 120, r: '08:05:00' })],
      policies({ idleTimeoutSec: 60 }),
    );
    expect(segsOf(r)).toEqual([
      seg('08:00:00', '08:01:00', 60_000, ['late_report']),
      seg('08:01:00', '08:02:00', 60_000, ['idle', 'late_report']),
    ]);
    expect(flagsOf(r)).toEqual([
      { kind: 'idle', occurrences: 1, withheldMs: 60_000 },
      { kind: 'late_report', occurrences: 1, withheldMs: 120_000 },
    ]);
    expect(r.flags.find((f) => f.kind === 'late_report')?.evidence[0]?.note).toBe(
      'received 180 s late (limit 120 s)',
    );
  });

  it('a late session.end withholds the window it closes', () => {
    const r = run([hb({ t: '08:00:00', seq: 1 }), end({ t: '08:00:30', r: '08:10:00' })]);
    expect(segsOf(r)).toEqual([seg('08:00:00', '08:00:30', 30_000, ['late_report'])]);
  });

  it('a late heartbeat that begins a session closes nothing; the next late one withholds its window', () => {
    const r = run([
      hb({ t: '08:00:00', seq: 1, r: '09:00:00' }),
      hb({ t: '08:00:30', seq: 2, r: '09:00:01' }),
    ]);
    expect(segsOf(r)).toEqual([seg('08:00:00', '08:00:30', 30_000, ['late_report'])]);
    expect(flagsOf(r)).toEqual([{ kind: 'late_report', occurrences: 1, withheldMs: 30_000 }]);
  });
});
