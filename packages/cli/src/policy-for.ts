import { createPolicyFor, type PolicyFor } from '@hourglass/rules';
import type { Config } from '@hourglass/runtime';

/** Effective rule policy per platform from the configuration: defaults, global override, platform's own. */
export function policyForConfig(config: Config): PolicyFor {
  return createPolicyFor(
    config.policy,
    Object.fromEntries(config.platforms.map((p) => [p.id, p.policy ?? {}])),
  );
}
