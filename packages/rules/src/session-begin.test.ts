import { describe, expect, it } from 'vitest';
import { cert, end, hb, ms, quiz, run, seg, segsOf, start } from './testing/fixtures';

describe('Session begin and attributes', () => {
  it('a session begun by a heartbeat starts at its time with its courseId and unknown for the others', () => {
    const r = run([hb({ t: '08:00:30', seq: 1, course: 'C7' })]);
    expect(r.sessions).toEqual([
      {
        platformId: 'p1',
        sessionId: 'S1',
        learnerId: 'L1',
        courseId: 'C7',
        deviceId: 'unknown',
        occupation: 'unknown',
        region: 'unknown',
        learnerGroup: 'unknown',
        startMs: ms('08:00:30'),
        endMs: null,
        // Versions are the session's latest touch in ms × 1000 (or one more than the last): versions.ts.
        version: ms('08:00:30') * 1000,
      },
    ]);
    expect(r.outcomes).toEqual(['applied']);
  });

  it('a session begun by session.start takes every attribute from it', () => {
    const r = run([
      start({
        t: '08:00:00',
        course: 'C2',
        device: 'D9',
        occupation: '6-20-01',
        region: '110105',
        learnerGroup: 'graduate',
      }),
      hb({ t: '08:00:30', seq: 1 }),
    ]);
    expect(r.sessions[0]).toMatchObject({
      courseId: 'C2',
      deviceId: 'D9',
      occupation: '6-20-01',
      region: '110105',
      learnerGroup: 'graduate',
      startMs: ms('08:00:00'),
      version: ms('08:00:00') * 1000,
    });
    expect(r.segments[0]).toMatchObject({
      courseId: 'C2',
      deviceId: 'D9',
      occupation: '6-20-01',
      region: '110105',
      learnerGroup: 'graduate',
      eventId: 'hb-L1-p1-S1-1-08:00:30',
    });
  });

  it('a session.start after the first heartbeat fills the attributes for later segments and changes nothing else', () => {
    const r = run([
      hb({ t: '08:00:10', seq: 1 }),
      hb({ t: '08:00:40', seq: 2 }),
      start({ t: '08:00:00', device: 'D9', occupation: '6-20-01' }),
      hb({ t: '08:01:10', seq: 3 }),
    ]);
    expect(r.outcomes).toEqual(['applied', 'applied', 'applied', 'applied']);
    expect(segsOf(r)).toEqual([seg('08:00:10', '08:00:40', 30_000), seg('08:00:40', '08:01:10', 30_000)]);
    expect(r.segments.map((s) => [s.deviceId, s.occupation])).toEqual([
      ['unknown', 'unknown'],
      ['D9', '6-20-01'],
    ]);
    // The late start is at 08:00:00, but the session was touched last at 08:00:40.
    expect(r.sessions.map((s) => [s.version, s.startMs, s.deviceId])).toEqual([
      [ms('08:00:10') * 1000, ms('08:00:10'), 'unknown'],
      [ms('08:00:40') * 1000, ms('08:00:10'), 'D9'],
    ]);
    expect(r.out[2]?.deviceStarts).toEqual([{ deviceId: 'D9', learnerId: 'L1', timeMs: ms('08:00:00') }]);
  });

  it('a SessionRecord is emitted when the session begins, when a late start fills it, and when it ends', () => {
    const r = run([hb({ t: '08:00:00', seq: 1 }), start({ t: '07:59:59' }), end({ t: '08:00:20' })]);
    // The late start (07:59:59) does not touch the session later than 08:00:00: one up.
    expect(r.sessions.map((s) => [s.version, s.deviceId, s.endMs])).toEqual([
      [ms('08:00:00') * 1000, 'unknown', null],
      [ms('08:00:00') * 1000 + 1, 'D1', null],
      [ms('08:00:20') * 1000, 'D1', ms('08:00:20')],
    ]);
  });

  it('segments carry deterministic ids and the flags that withhold them', () => {
    const r = run([hb({ t: '08:00:00', seq: 1 }), hb({ t: '08:00:30', seq: 2, r: '08:03:00' })]);
    const [s] = r.segments;
    expect(s?.segmentId).toMatch(/^s_[A-Za-z0-9_-]{22}$/);
    expect(s?.flagIds).toEqual([r.flags[0]?.flagId]);
    expect(
      run([hb({ t: '08:00:00', seq: 1 }), hb({ t: '08:00:30', seq: 2, r: '08:03:00' })]).segments[0]
        ?.segmentId,
    ).toBe(s?.segmentId);
  });

  it('a quiz before its session began leaves flags on a placeholder that a later heartbeat begins as usual', () => {
    const r = run([
      quiz({ t: '08:00:00', questions: 10, durationSec: 5 }),
      hb({ t: '08:00:10', seq: 1 }),
      hb({ t: '08:00:40', seq: 2 }),
    ]);
    expect(r.sessions.map((s) => [s.version, s.startMs])).toEqual([[ms('08:00:10') * 1000, ms('08:00:10')]]);
    expect(segsOf(r)).toEqual([seg('08:00:10', '08:00:40', 30_000)]);
    expect(r.flags.map((f) => f.kind).sort()).toEqual(['quiz_outside_session', 'quiz_too_fast']);
  });

  it('a certificate.issued yields one CertificateRecord and touches no session', () => {
    const r = run([cert({ t: '09:00:00', r: '09:00:01' })]);
    expect(r.outcomes).toEqual(['applied']);
    expect(r.out[0]?.certificates).toEqual([
      {
        certificateId: 'CERT1',
        platformId: 'p1',
        learnerId: 'L1',
        courseId: 'C1',
        requiredHours: 10,
        issuedAtMs: ms('09:00:00'),
        eventId: 'cert-L1-p1-S1-09:00:00',
      },
    ]);
    expect(r.states.get('L1')?.sessions).toEqual([]);
  });
});
