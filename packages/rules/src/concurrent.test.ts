import { describe, expect, it } from 'vitest';
import { end, flagsOf, hb, ms, run, seg, segsOf, start } from './testing/fixtures';

const A = { platform: 'p1', session: 'S1' };
const B = { platform: 'p2', session: 'S2' };
const C = { platform: 'p1', session: 'S3' };

describe('Concurrent sessions: W inside the live span of an earlier session of the learner is withheld', () => {
  it('a concurrent session that ends mid-window: withheld up to its session.end, verified after', () => {
    const r = run([
      start({ t: '08:00:00', ...A }),
      hb({ t: '08:00:30', seq: 1, ...A }),
      start({ t: '08:00:45', ...B }),
      end({ t: '08:01:10', ...A }),
      hb({ t: '08:01:15', seq: 1, ...B }),
    ]);
    expect(segsOf(r, 'S1', 'p1')).toEqual([
      seg('08:00:00', '08:00:30', 30_000),
      seg('08:00:30', '08:01:10', 40_000),
    ]);
    expect(segsOf(r, 'S2', 'p2')).toEqual([
      seg('08:00:45', '08:01:10', 25_000, ['concurrent_session']),
      seg('08:01:10', '08:01:15', 5_000),
    ]);
    const flag = r.flags.find((f) => f.kind === 'concurrent_session');
    expect(flag).toMatchObject({ platformId: 'p2', sessionId: 'S2', occurrences: 1, withheldMs: 25_000 });
    expect(flag?.evidence).toEqual([
      {
        eventId: 'hb-L1-p2-S2-1-08:01:15',
        atMs: ms('08:01:15'),
        note: 'overlaps p1/S1 for 25 s',
        platformId: 'p1',
        sessionId: 'S1',
      },
    ]);
  });

  it('an unended session is live until its last timing time + its cap, as known when the window closes', () => {
    const r = run([
      hb({ t: '08:00:00', seq: 1, ...A }),
      hb({ t: '08:00:30', seq: 2, ...A }),
      start({ t: '08:01:00', ...B }),
      hb({ t: '08:02:00', seq: 1, interval: 60, ...B }),
    ]);
    expect(segsOf(r, 'S2', 'p2')).toEqual([
      seg('08:01:00', '08:01:30', 30_000, ['concurrent_session']),
      seg('08:01:30', '08:02:00', 30_000),
    ]);
  });

  it('before its first heartbeat a session is live for gapCapFactor × 60 s after its start', () => {
    const r = run([
      start({ t: '08:00:00', ...A }),
      start({ t: '08:01:00', ...B }),
      hb({ t: '08:02:30', seq: 1, interval: 60, ...B }),
    ]);
    expect(segsOf(r, 'S2', 'p2')).toEqual([
      seg('08:01:00', '08:02:00', 60_000, ['concurrent_session']),
      seg('08:02:00', '08:02:30', 30_000),
    ]);
  });

  it('the session that began first is never withheld for the later one', () => {
    const r = run([
      start({ t: '08:00:00', ...A }),
      start({ t: '08:00:10', ...B }),
      hb({ t: '08:00:30', seq: 1, ...A }),
      hb({ t: '08:00:40', seq: 1, ...B }),
    ]);
    expect(segsOf(r, 'S1', 'p1')).toEqual([seg('08:00:00', '08:00:30', 30_000)]);
    expect(segsOf(r, 'S2', 'p2')).toEqual([seg('08:00:10', '08:00:40', 30_000, ['concurrent_session'])]);
  });

  it.each([
    {
      name: 'ties on start go to the smaller platformId',
      x: { platform: 'pa', session: 'Z' },
      y: { platform: 'pb', session: 'A' },
    },
    {
      name: 'ties on start and platform go to the smaller sessionId',
      x: { platform: 'p1', session: 'A' },
      y: { platform: 'p1', session: 'B' },
    },
  ])('$name', ({ x, y }) => {
    // Processed loser-first: the order of processing does not decide who began first.
    const r = run([
      start({ t: '08:00:00', ...y }),
      start({ t: '08:00:00', ...x }),
      hb({ t: '08:00:30', seq: 1, ...y }),
      hb({ t: '08:00:30', seq: 1, ...x }),
    ]);
    expect(segsOf(r, x.session, x.platform)).toEqual([seg('08:00:00', '08:00:30', 30_000)]);
    expect(segsOf(r, y.session, y.platform)).toEqual([
      seg('08:00:00', '08:00:30', 30_000, ['concurrent_session']),
    ]);
  });

  it('three sessions at once on two platforms: each is withheld inside the union of the earlier ones’ live spans', () => {
    const r = run([
      start({ t: '08:00:00', ...A }),
      start({ t: '08:00:10', ...B }),
      start({ t: '08:00:20', ...C }),
      hb({ t: '08:00:30', seq: 1, ...A }),
      hb({ t: '08:00:40', seq: 1, ...B }),
      hb({ t: '08:00:50', seq: 1, ...C }),
      end({ t: '08:01:00', ...A }),
      hb({ t: '08:01:10', seq: 2, ...B }),
      hb({ t: '08:01:20', seq: 2, ...C }),
      end({ t: '08:01:30', ...B }),
      hb({ t: '08:01:50', seq: 3, ...C }),
    ]);
    expect(segsOf(r, 'S1', 'p1')).toEqual([
      seg('08:00:00', '08:00:30', 30_000),
      seg('08:00:30', '08:01:00', 30_000),
    ]);
    expect(segsOf(r, 'S2', 'p2')).toEqual([
      seg('08:00:10', '08:00:40', 30_000, ['concurrent_session']),
      seg('08:00:40', '08:01:00', 20_000, ['concurrent_session']),
      seg('08:01:00', '08:01:10', 10_000),
      seg('08:01:10', '08:01:30', 20_000),
    ]);
    expect(segsOf(r, 'S3', 'p1')).toEqual([
      seg('08:00:20', '08:00:50', 30_000, ['concurrent_session']),
      seg('08:00:50', '08:01:20', 30_000, ['concurrent_session']),
      seg('08:01:20', '08:01:30', 10_000, ['concurrent_session']),
      seg('08:01:30', '08:01:50', 20_000),
    ]);
    expect(flagsOf(r, 'S2', 'p2')).toEqual([
      { kind: 'concurrent_session', occurrences: 2, withheldMs: 50_000 },
    ]);
    expect(flagsOf(r, 'S3', 'p1')).toEqual([
      { kind: 'concurrent_session', occurrences: 3, withheldMs: 70_000 },
    ]);
    const s3 = r.flagUpdates.filter((f) => f.sessionId === 'S3');
    expect(s3[0]?.evidence.map((e) => `${e.platformId}/${e.sessionId}`)).toEqual(['p1/S1', 'p2/S2']);
  });

  it('sessions of other learners never count', () => {
    const r = run([
      start({ t: '08:00:00', ...A, learner: 'L2' }),
      start({ t: '08:00:10', ...B }),
      hb({ t: '08:00:40', seq: 1, ...B }),
    ]);
    expect(segsOf(r, 'S2', 'p2')).toEqual([seg('08:00:10', '08:00:40', 30_000)]);
  });
});
