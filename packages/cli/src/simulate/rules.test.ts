import { DEFAULT_POLICY, runSequence } from '@hourglass/rules';
import { describe, expect, it } from 'vitest';
import { generateTraffic, type TrafficOptions } from './generate';
import { scoreFlags } from './summary';

/**
 * The simulator's labels against the real rules engine (SPEC §4, default policy), events processed in
 * delivery order as replay submits them: every cheater raises its expected kinds (and only those plus
 * the known by-products), and no honest learner raises anything.
 */
const mixes: [string, Omit<TrafficOptions, 'startMs'>][] = [
  [
    'default mix: 60 learners, 20 % cheaters, seed 7',
    { platforms: 3, learners: 60, minutes: 30, cheaters: 0.2, seed: 7 },
  ],
  [
    'every scenario: 80 learners, 20 %, seed 1',
    { platforms: 3, learners: 80, minutes: 30, cheaters: 0.2, seed: 1 },
  ],
  [
    'one platform, many cheaters, short run',
    { platforms: 1, learners: 100, minutes: 15, cheaters: 0.5, seed: 3 },
  ],
  ['five platforms, long run', { platforms: 5, learners: 60, minutes: 90, cheaters: 0.3, seed: 12 }],
];

describe.each(mixes)('rules on simulated traffic — %s', (_name, opts) => {
  const traffic = generateTraffic({ ...opts, startMs: Date.UTC(2026, 2, 1, 1) });
  const { out } = runSequence(traffic.events, () => DEFAULT_POLICY);
  const flags = out.flatMap((o) => o.flags);

  it('detects every cheater and flags no honest learner', () => {
    const d = scoreFlags(traffic.labels, flags);
    expect(d.cheaters).toBe(Math.round(opts.learners * opts.cheaters));
    expect(d.recall).toBe(1);
    expect(d.falselyFlagged).toBe(0);
  });

  it('raises exactly the labelled kinds per learner', () => {
    const kinds = new Map<string, Set<string>>();
    for (const f of flags) kinds.set(f.learnerId, (kinds.get(f.learnerId) ?? new Set()).add(f.kind));
    for (const [learnerId, label] of traffic.labels) {
      const got = [...(kinds.get(learnerId) ?? [])].sort();
      expect(got, `${learnerId} (${label.scenario})`).toEqual(
        [...label.expectedKinds, ...label.sideKinds].sort(),
      );
    }
  });
});
