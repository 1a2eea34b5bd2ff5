import { describe, expect, it } from 'vitest';
import { hb, ms, policies, run, seg, segsOf, start } from './testing/fixtures';

const learners = ['L1', 'L2', 'L3', 'L4', 'L5', 'L6', 'L7'];

function hour(h: number): string {
  return `${String(h).padStart(2, '0')}:00:00`;
}

/**
 * Three learners start on D1 at 08:00; L4's session is begun by heartbeats at 09:00 and 09:00:30, its
 * session.start (time `startAt`, the 4th learner: over the limit of 3) processed after them, then one
 * more heartbeat at 09:01.
 */
function lateStart(startAt: string) {
  return run([
    start({ t: '08:00:00', learner: 'L2', session: 'S-L2' }),
    start({ t: '08:00:00', learner: 'L3', session: 'S-L3' }),
    start({ t: '08:00:00', learner: 'L5', session: 'S-L5' }),
    hb({ t: '09:00:00', seq: 1, learner: 'L4' }),
    hb({ t: '09:00:30', seq: 2, learner: 'L4' }),
    start({ t: startAt, learner: 'L4' }),
    hb({ t: '09:01:00', seq: 3, learner: 'L4' }),
  ]);
}

describe('Shared devices: more than deviceShareLimit learners starting on one device within 24 h', () => {
  it('seven learners on one device with limit 3: the 4th to 7th to start are withheld as shared_device', () => {
    const events = learners.flatMap((learner, i) => [
      start({ t: hour(8 + i), learner, session: `S-${learner}`, device: 'D1' }),
      hb({ t: `${hour(8 + i).slice(0, 5)}:30`, seq: 1, learner, session: `S-${learner}` }),
    ]);
    const r = run(events);
    const flagged = r.flags.filter((f) => f.kind === 'shared_device').map((f) => f.learnerId);
    expect(flagged).toEqual(['L4', 'L5', 'L6', 'L7']);
    expect(r.segments.map((s) => [s.learnerId, s.kinds])).toEqual([
      ['L1', []],
      ['L2', []],
      ['L3', []],
      ['L4', ['shared_device']],
      ['L5', ['shared_device']],
      ['L6', ['shared_device']],
      ['L7', ['shared_device']],
    ]);
    const l7 = r.flags.find((f) => f.learnerId === 'L7');
    expect(l7).toMatchObject({ occurrences: 2, withheldMs: 30_000 });
    expect(l7?.evidence[0]).toEqual({
      eventId: 'start-L7-p1-S-L7-14:00:00',
      atMs: ms('14:00:00'),
      note: '7 learners started sessions on device D1 within 24 h (limit 3)',
      learnerIds: learners,
    });
  });

  it('counts starts within 24 h either side, inclusive; starts further apart do not count', () => {
    const r = run([
      start({ t: '2026-03-01T08:00:00Z', learner: 'L1', session: 'S-L1' }),
      start({ t: '2026-03-02T08:00:00Z', learner: 'L2', session: 'S-L2' }),
      start({ t: '2026-03-02T08:00:00Z', learner: 'L3', session: 'S-L3' }),
      start({ t: '2026-03-02T08:00:00.001Z', learner: 'L4', session: 'S-L4' }),
      start({ t: '2026-03-02T08:00:00Z', learner: 'L5', session: 'S-L5' }),
    ]);
    expect(r.flags.map((f) => f.learnerId)).toEqual(['L5']);
  });

  it('a learner counts once however many sessions it starts on the device', () => {
    const r = run([1, 2, 3, 4, 5].map((i) => start({ t: hour(8 + i), session: `S${i}`, device: 'D1' })));
    expect(r.flags).toEqual([]);
  });

  it('other devices do not count', () => {
    const r = run(
      learners.map((learner, i) =>
        start({ t: hour(8 + i), learner, session: `S-${learner}`, device: `D${i}` }),
      ),
    );
    expect(r.flags).toEqual([]);
  });

  it('deviceShareLimit comes from the policy of the session’s platform', () => {
    const r = run(
      learners
        .slice(0, 3)
        .map((learner, i) => start({ t: hour(8 + i), learner, session: `S-${learner}`, device: 'D1' })),
      policies({}, { p1: { deviceShareLimit: 2 } }),
    );
    expect(r.flags.map((f) => f.learnerId)).toEqual(['L3']);
  });

  it('a late session.start runs the check: segments closed before keep their status, later ones are withheld', () => {
    const r = lateStart('08:59:50');
    expect(r.segments.map((s) => [s.startMs, s.status, s.kinds])).toEqual([
      [ms('09:00:00'), 'verified', []],
      [ms('09:00:30'), 'withheld', ['shared_device']],
    ]);
    expect(segsOf(r)).toEqual([
      seg('09:00:00', '09:00:30', 30_000),
      seg('09:00:30', '09:01:00', 30_000, ['shared_device']),
    ]);
  });

  it('a late session.start timed after p dates its flag at p, so the time it withholds later lies past the flag’s lastAt (what a decision covers)', () => {
    // The heartbeat after it closes (09:00:30, 09:01:00], which ends before the start's own time.
    const r = lateStart('09:10:00');
    const flag = r.out[5]?.flags[0];
    expect(flag).toMatchObject({
      kind: 'shared_device',
      firstAtMs: ms('09:00:30'),
      lastAtMs: ms('09:00:30'),
    });
    expect(flag?.evidence[0]?.atMs).toBe(ms('09:10:00'));
    expect(segsOf(r)).toEqual([
      seg('09:00:00', '09:00:30', 30_000),
      seg('09:00:30', '09:01:00', 30_000, ['shared_device']),
    ]);
    expect(r.out[6]?.flags[0]).toMatchObject({ lastAtMs: ms('09:01:00'), withheldMs: 30_000 });
  });

  it('every processed session.start is reported for the device window', () => {
    const r = run([start({ t: '08:00:00', device: 'D7' }), start({ t: '08:00:05', id: 'again' })]);
    expect(r.out.map((o) => o.deviceStarts)).toEqual([
      [{ deviceId: 'D7', learnerId: 'L1', timeMs: ms('08:00:00') }],
      [],
    ]);
  });
});
