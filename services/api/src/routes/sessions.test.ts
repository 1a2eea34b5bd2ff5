import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../testing/harness';
import { s1Flag, s1Segment, T } from '../testing/session-s1';

const NOW = Date.parse('2026-03-05T08:00:00Z');

describe('GET /v1/sessions/{platformId}/{sessionId}', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('a session whose record has not reached the warehouse: attributes from its latest segment, start from its first', async () => {
    h = await createHarness({ clock: () => NOW });
    await h.warehouse.insertSegments([s1Segment('w1', '08:05', '08:10'), s1Segment('w2', '08:15', '08:20')]);
    const res = await h.get('/v1/sessions/cvto/S1', 'supervisor');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      platformId: 'cvto',
      sessionId: 'S1',
      learnerId: 'L1',
      courseId: 'c1',
      deviceId: 'D1',
      occupation: '4-03-02-02',
      region: '610113',
      learnerGroup: 'graduate',
      start: '2026-03-01T08:05:00.000Z',
      end: null,
    });
  });

  it('lists the decisions of all its flags in the order they were made, not flag by flag', async () => {
    let clock = NOW;
    h = await createHarness({ clock: () => clock++ });
    // F-a sorts first among the flags (firstAt 08:10), but F-b is decided first.
    await h.warehouse.insertSegments([
      s1Segment('w1', '08:05', '08:10', ['F-a']),
      s1Segment('w2', '08:15', '08:20', ['F-b']),
    ]);
    await h.warehouse.upsertFlags([
      s1Flag('F-a', 'late_report', '08:10', { withheldMs: 300_000 }),
      s1Flag('F-b', 'idle', '08:20', { withheldMs: 300_000 }),
    ]);
    expect((await h.decide('F-b', 'reject')).status).toBe(200);
    expect((await h.decide('F-a', 'approve')).status).toBe(200);
    const res = await h.get('/v1/sessions/cvto/S1', 'supervisor');
    expect(res.json.flags.map((f: { flagId: string }) => f.flagId)).toEqual(['F-a', 'F-b']);
    expect(res.json.decisions.map((d: { flagId: string; at: string }) => [d.flagId, d.at])).toEqual([
      ['F-b', new Date(NOW).toISOString()],
      ['F-a', new Date(NOW + 1).toISOString()],
    ]);
  });

  it('shows the learners a shared-device flag names as its evidence', async () => {
    h = await createHarness({ clock: () => NOW });
    const learnerIds = ['L1', 'L2', 'L3', 'L4'];
    await h.warehouse.upsertFlags([
      s1Flag('F-dev', 'shared_device', '08:00', {
        evidence: [{ eventId: 'e1', atMs: T('08:00'), note: '4 learners on D1', learnerIds }],
      }),
    ]);
    const res = await h.get('/v1/sessions/cvto/S1', 'supervisor');
    expect(res.json.flags[0].evidence).toEqual([
      { eventId: 'e1', at: '2026-03-01T08:00:00.000Z', note: '4 learners on D1', learnerIds },
    ]);
    expect((await h.get('/v1/flags/F-dev', 'supervisor')).json.evidence[0].learnerIds).toEqual(learnerIds);
  });
});
