import { describe, expect, it } from 'vitest';
import { POLICY_DEFAULTS, policyForConfig } from './policy';

describe('policyForConfig', () => {
  const policyFor = policyForConfig({
    policy: { idleTimeoutSec: 600 },
    platforms: [{ id: 'cvto', policy: { maxDelaySec: 180 } }, { id: 'skillup' }],
  });

  it('applies the defaults, then the global override, then the platform override', () => {
    expect(policyFor('cvto')).toEqual({ ...POLICY_DEFAULTS, idleTimeoutSec: 600, maxDelaySec: 180 });
    expect(policyFor('skillup')).toEqual({ ...POLICY_DEFAULTS, idleTimeoutSec: 600 });
  });

  it('gives an unconfigured platform (replayed archives) the global policy', () => {
    expect(policyFor('unknown-platform')).toEqual({ ...POLICY_DEFAULTS, idleTimeoutSec: 600 });
  });
});
