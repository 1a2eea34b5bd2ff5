import { describe, expect, it } from 'vitest';
import { createPolicyFor, DEFAULT_POLICY, POLICY_KEYS, secToMs } from './policy';
import { hb, idleHb, policies, run, seg, segsOf } from './testing/fixtures';

describe('Policy', () => {
  it('defaults are those of SPEC §4', () => {
    expect(DEFAULT_POLICY).toEqual({
      idleTimeoutSec: 300,
      gapCapFactor: 2,
      maxDelaySec: 120,
      maxPlaybackRate: 2.0,
      seekToleranceSec: 5,
      minQuizSecondsPerQuestion: 3,
      deviceShareLimit: 3,
    });
    expect([...POLICY_KEYS].sort()).toEqual(Object.keys(DEFAULT_POLICY).sort());
  });

  it('createPolicyFor layers global, then per-platform overrides over the defaults', () => {
    const policyFor = createPolicyFor({
      global: { idleTimeoutSec: 200 },
      perPlatform: { cvto: { maxDelaySec: 180 } },
    });
    expect(policyFor('cvto')).toEqual({ ...DEFAULT_POLICY, idleTimeoutSec: 200, maxDelaySec: 180 });
    expect(policyFor('other')).toEqual({ ...DEFAULT_POLICY, idleTimeoutSec: 200 });
  });

  it('seconds become whole milliseconds without floating-point drift', () => {
    expect(secToMs(1.1 * 30)).toBe(33_000);
    expect(secToMs(0.0015)).toBe(2);
  });

  it('per-platform override: each session is judged by its own platform’s policy', () => {
    const policyFor = policies({}, { p2: { idleTimeoutSec: 10, maxDelaySec: 300, gapCapFactor: 3 } });
    const events = (platform: string) => [
      idleHb({ t: '08:00:00', seq: 1, platform, learner: `L-${platform}`, session: `S-${platform}` }),
      idleHb({
        t: '08:00:30',
        seq: 2,
        platform,
        learner: `L-${platform}`,
        session: `S-${platform}`,
        r: '08:03:00',
      }),
      hb({ t: '08:02:00', seq: 3, platform, learner: `L-${platform}`, session: `S-${platform}` }),
    ];
    const r = run([...events('p1'), ...events('p2')], policyFor);
    expect(segsOf(r, 'S-p1', 'p1')).toEqual([
      seg('08:00:00', '08:00:30', 30_000, ['late_report']),
      seg('08:00:30', '08:01:30', 60_000),
    ]);
    expect(segsOf(r, 'S-p2', 'p2')).toEqual([
      seg('08:00:00', '08:00:10', 10_000),
      seg('08:00:10', '08:00:30', 20_000, ['idle']),
      seg('08:00:30', '08:02:00', 90_000),
    ]);
  });
});
