import { flagIdOf, type Segment } from '@hourglass/events';
import { expect, it } from 'vitest';
import type { RejectedRow } from '../types';
import type { Setup } from './contract';
import { at, CERTIFICATES, decision, loadBase, MIN, SESSIONS, segment } from './fixtures';

function rejectedRow(rowId: string, platformId: string): RejectedRow {
  return {
    rowId,
    platformId,
    receivedAt: '2026-03-02T01:00:00.000Z',
    source: 'ingest',
    index: 3,
    id: null,
    type: 'heartbeat',
    errors: [{ path: 'heartbeat.seq', code: 'too_small', message: "seq must be ≥ 0 (got '-1')" }],
    raw: '{"id":"x\\u0000","seq":-1}\n\t',
    truncated: false,
  };
}

const COUNTS = [
  { countId: 'c-alpha-1', platformId: 'alpha', day: '2026-03-01', accepted: 60 },
  { countId: 'c-alpha-2', platformId: 'alpha', day: '2026-03-02', accepted: 40 },
  { countId: 'c-beta-1', platformId: 'beta', day: '2026-03-02', accepted: 50 },
  { countId: 'c-gamma-1', platformId: 'gamma', day: '2026-03-02', accepted: 10 },
];

const REJECTED = [
  rejectedRow('events.rejected.v1/0/1', 'alpha'),
  rejectedRow('events.rejected.v1/0/2', 'alpha'),
  rejectedRow('events.rejected.v1/1/1', 'gamma'),
];

export function describeStatsContract(setup: Setup): void {
  it('learnerTotals: per platform and course, with a backed and an unbacked certificate', async () => {
    const w = await setup();
    await loadBase(w);
    const cert = (i: number, verifiedMin: number, backed: boolean) => ({
      ...CERTIFICATES[i],
      verifiedMsOnCourse: verifiedMin * MIN,
      backed,
    });
    expect(await w.learnerTotals('L1')).toEqual({
      rows: [
        { platformId: 'alpha', courseId: 'C1', verifiedMs: 50 * MIN, pendingMs: 10 * MIN, rejectedMs: 0 },
        { platformId: 'beta', courseId: 'C1', verifiedMs: 40 * MIN, pendingMs: 0, rejectedMs: 0 },
      ],
      certificates: [cert(0, 90, true), cert(1, 90, false)],
    });
    // The day range narrows the rows, never the certificates' backing (all days count).
    expect(await w.learnerTotals('L1', '2026-03-01', '2026-03-01')).toEqual({
      rows: [{ platformId: 'alpha', courseId: 'C1', verifiedMs: 50 * MIN, pendingMs: 0, rejectedMs: 0 }],
      certificates: [cert(0, 90, true), cert(1, 90, false)],
    });
    expect((await w.learnerTotals('L1', '2026-03-02')).rows).toEqual([
      { platformId: 'alpha', courseId: 'C1', verifiedMs: 0, pendingMs: 10 * MIN, rejectedMs: 0 },
      { platformId: 'beta', courseId: 'C1', verifiedMs: 40 * MIN, pendingMs: 0, rejectedMs: 0 },
    ]);
    // Approving flag-a adds its 10 minutes on C1: the 96-minute certificate becomes backed.
    await w.insertDecisions([
      decision('d1', 'flag-a', 'approve', '2026-03-05T00:00:00Z', '2026-03-01T16:40:00Z'),
    ]);
    expect((await w.learnerTotals('L1')).certificates).toEqual([cert(0, 100, true), cert(1, 100, true)]);
    // Certificates are idempotent by (platformId, certificateId).
    await w.insertCertificates([{ ...(CERTIFICATES[0] as (typeof CERTIFICATES)[0]), requiredHours: 99 }]);
    expect((await w.learnerTotals('L1')).certificates).toEqual([cert(0, 100, true), cert(1, 100, true)]);
    // Also when the resent copy names another learner: the first copy stands.
    await w.insertCertificates([{ ...(CERTIFICATES[0] as (typeof CERTIFICATES)[0]), learnerId: 'L2' }]);
    expect((await w.learnerTotals('L2')).certificates).toEqual([]);
    expect((await w.programme()).certificatesIssued).toBe(2);
    expect(await w.learnerTotals('nobody')).toEqual({ rows: [], certificates: [] });
  });

  // Found in review: compared in milliseconds, 1.1 h × 3600000 = 3960000.0000000005 > 66 minutes.
  it('a certificate is backed by verified hours exactly equal to its requiredHours (66 min = 1.1 h)', async () => {
    const w = await setup();
    const session = 'S1' as const;
    await w.insertSegments([segment('s-66', session, '2026-03-01T01:00:00Z', 66)]);
    const cert = { ...(CERTIFICATES[0] as (typeof CERTIFICATES)[0]), requiredHours: 1.1 };
    await w.insertCertificates([cert, { ...cert, certificateId: 'cert-over', requiredHours: 1.1000001 }]);
    const totals = await w.learnerTotals(cert.learnerId);
    expect(totals.certificates.map((c) => [c.certificateId, c.verifiedMsOnCourse, c.backed])).toEqual([
      ['cert-1', 66 * MIN, true],
      ['cert-over', 66 * MIN, false],
    ]);
    expect((await w.programme()).certificatesBacked).toBe(1);
  });

  it('programme: coverage, learners, flagged sessions, certificates, per-platform quality', async () => {
    const w = await setup();
    await loadBase(w);
    await w.insertEventCounts(COUNTS);
    await w.insertEventCounts(COUNTS.slice(1));
    await w.insertRejected(REJECTED);
    await w.insertRejected(REJECTED.slice(0, 1));
    expect(await w.programme()).toEqual({
      platformsActive: 2,
      occupationsCovered: 2,
      coursesCovered: 2,
      learners: 3,
      verifiedMs: 166 * MIN,
      flaggedSessionsByKind: {
        idle: 1,
        presence_failed: 0,
        late_report: 1,
        concurrent_session: 1,
        shared_device: 0,
        replayed_event: 0,
        seek_ahead: 1,
        playback_rate: 0,
        quiz_too_fast: 0,
        quiz_outside_session: 0,
      },
      certificatesIssued: 2,
      certificatesBacked: 1,
      platforms: [
        {
          platformId: 'alpha',
          acceptedEvents: 100,
          rejectedEvents: 2,
          rejectedRate: 2 / 102,
          verifiedMs: 65 * MIN,
          withheldMs: 21 * MIN,
          flaggedTimeShare: 21 / 86,
        },
        {
          platformId: 'beta',
          acceptedEvents: 50,
          rejectedEvents: 0,
          rejectedRate: 0,
          verifiedMs: 101 * MIN,
          withheldMs: 0,
          flaggedTimeShare: 0,
        },
        {
          platformId: 'gamma',
          acceptedEvents: 10,
          rejectedEvents: 1,
          rejectedRate: 1 / 11,
          verifiedMs: 0,
          withheldMs: 0,
          flaggedTimeShare: 0,
        },
      ],
    });
    expect(await w.counts()).toEqual({ segments: 9, flags: 4, decisions: 0, rejected: 3 });
  });

  it('programme of an empty warehouse', async () => {
    const w = await setup();
    const p = await w.programme();
    expect({
      ...p,
      flaggedSessionsByKind: Object.values(p.flaggedSessionsByKind).every((n) => n === 0),
    }).toEqual({
      platformsActive: 0,
      occupationsCovered: 0,
      coursesCovered: 0,
      learners: 0,
      verifiedMs: 0,
      flaggedSessionsByKind: true,
      certificatesIssued: 0,
      certificatesBacked: 0,
      platforms: [],
    });
  });

  it('platformsActive counts a platform with a session and no segment yet, and one whose segments came before its session record', async () => {
    const w = await setup();
    // Sessions and segments reach the warehouse through different topics: either can come first.
    await w.upsertSessions([SESSIONS.S1!]); // alpha
    await w.insertSegments([segment('s4', 'S2', '2026-03-02T02:00:00Z', 40)]); // beta
    const p = await w.programme();
    expect(p.platformsActive).toBe(2);
    expect(p.platforms.map((x) => [x.platformId, x.verifiedMs])).toEqual([
      ['alpha', 0],
      ['beta', 40 * MIN],
    ]);
  });

  it('reconcile: every segment once, per-learner totals add up after decisions', async () => {
    const w = await setup();
    await loadBase(w);
    await loadBase(w);
    await w.insertDecisions([
      decision('d1', 'flag-a', 'approve', '2026-03-05T00:00:00Z', '2026-03-01T16:40:00Z'),
      decision('d2', 'flag-b', 'reject', '2026-03-05T00:00:00Z', '2026-03-02T04:06:00Z'),
    ]);
    expect(await w.reconcile()).toEqual({
      duplicateSegmentIds: 0,
      mismatchedLearners: [],
      segmentsByPlatform: [],
    });
    expect(await w.counts()).toEqual({ segments: 9, flags: 4, decisions: 2, rejected: 0 });
  });

  it('cumulative counts: the copy of an id that counts furthest stands, in whatever order copies come', async () => {
    const w = await setup();
    const count = (countId: string, through: number, accepted: number, segments: number) => ({
      countId,
      platformId: 'alpha',
      day: '2026-03-01',
      accepted,
      segments,
      through,
    });
    await w.insertEventCounts([count('events/0/from-0/alpha/2026-03-01', 99, 40, 30)]);
    // In one write: a further copy of the first id (kept), then an earlier one (not).
    await w.insertEventCounts([
      count('events/0/from-0/alpha/2026-03-01', 180, 70, 50),
      count('events/0/from-0/alpha/2026-03-01', 150, 60, 45),
      count('events/0/from-1000/alpha/2026-03-01', 1010, 5, 4),
    ]);
    // A replay after the state store went back: earlier copies again, and the same copy twice.
    await w.insertEventCounts([count('events/0/from-0/alpha/2026-03-01', 120, 50, 40)]);
    await w.insertEventCounts([count('events/0/from-1000/alpha/2026-03-01', 1010, 5, 4)]);
    // A per-batch count (no `through`) beside them: each id once, as before.
    await w.insertEventCounts([
      { countId: 'b/alpha', platformId: 'alpha', day: '2026-03-01', accepted: 3, segments: 1 },
    ]);
    await w.insertEventCounts([
      { countId: 'b/alpha', platformId: 'alpha', day: '2026-03-01', accepted: 9, segments: 9 },
    ]);
    const alpha = (await w.programme()).platforms.find((p) => p.platformId === 'alpha');
    expect(alpha?.acceptedEvents).toBe(70 + 5 + 3);
    expect((await w.reconcile()).segmentsByPlatform).toEqual([
      { platformId: 'alpha', emitted: 50 + 4 + 1, stored: 0 },
    ]);
  });

  it('reconcile: the segments the detector counted per platform against the distinct segments stored', async () => {
    const w = await setup();
    // Stored twice: alpha still has 6 distinct segments (sessions S1, S3), beta 3 (S2, S4).
    await loadBase(w);
    await loadBase(w);
    const alpha1 = { countId: 'r-alpha-1', platformId: 'alpha', day: '2026-03-01', accepted: 9, segments: 4 };
    await w.insertEventCounts([
      alpha1,
      { countId: 'r-alpha-2', platformId: 'alpha', day: '2026-03-02', accepted: 5, segments: 2 },
      // One segment more than stored: lost on the way.
      { countId: 'r-beta-1', platformId: 'beta', day: '2026-03-02', accepted: 8, segments: 4 },
      { countId: 'r-gamma-1', platformId: 'gamma', day: '2026-03-02', accepted: 3, segments: 0 },
      // Written before segments were counted: delta cannot be checked.
      { countId: 'r-delta-1', platformId: 'delta', day: '2026-03-02', accepted: 2 },
    ]);
    // A count delivered twice is counted once.
    await w.insertEventCounts([alpha1]);
    expect((await w.reconcile()).segmentsByPlatform).toEqual([
      { platformId: 'alpha', emitted: 6, stored: 6 },
      { platformId: 'beta', emitted: 4, stored: 3 },
      { platformId: 'gamma', emitted: 0, stored: 0 },
    ]);
    // One count without a segment count leaves its whole platform out.
    await w.insertEventCounts([
      { countId: 'r-alpha-0', platformId: 'alpha', day: '2026-02-28', accepted: 1 },
    ]);
    expect((await w.reconcile()).segmentsByPlatform.map((r) => r.platformId)).toEqual(['beta', 'gamma']);
  });

  it('a learner whose withheld segments name 11 000 flags: learnerTotals and hours by learner answer', async () => {
    // One lesson per session, each with an idle stretch, for years: every session has its own flag. The
    // learner's reads look up the decisions of all those flags at once (25 bytes of query per id).
    const w = await setup();
    const base = at('2026-01-01T00:00:00Z');
    const segments: Segment[] = [];
    for (let i = 0; i < 11_000; i++) {
      const sessionId = `S-${i}`;
      const startMs = base + i * 2 * MIN;
      segments.push({
        segmentId: `seg-${i}`,
        learnerId: 'L9',
        platformId: 'alpha',
        sessionId,
        courseId: 'C1',
        deviceId: 'D1',
        occupation: 'unknown',
        region: 'unknown',
        learnerGroup: 'unknown',
        startMs,
        endMs: startMs + MIN,
        status: 'withheld',
        kinds: ['idle'],
        flagIds: [flagIdOf('alpha', sessionId, 'idle')],
        eventId: `e-${i}`,
      });
    }
    await w.insertSegments(segments);
    await w.insertDecisions([
      decision(
        'd-0',
        flagIdOf('alpha', 'S-0', 'idle'),
        'approve',
        '2026-01-02T00:00:00Z',
        '2026-01-01T00:01:00Z',
      ),
    ]);
    expect(await w.learnerTotals('L9')).toEqual({
      rows: [
        { platformId: 'alpha', courseId: 'C1', verifiedMs: MIN, pendingMs: 10_999 * MIN, rejectedMs: 0 },
      ],
      certificates: [],
    });
    expect(
      await w.queryHours({
        fromDay: '2026-01-01',
        toDay: '2026-01-31',
        groupBy: [],
        filters: { learnerId: 'L9' },
      }),
    ).toEqual([{ verifiedMs: MIN, pendingMs: 10_999 * MIN, rejectedMs: 0, learners: 1 }]);
  }, 60_000);
}
