import { createPolicyFor, DEFAULT_POLICY, POLICY_KEYS, type Policy, type PolicyFor } from '@hourglass/rules';
import { z } from 'zod';

export type { Policy };
export { POLICY_KEYS };
/** The rule policy defaults of SPEC §4, as the rules engine defines them. */
export const POLICY_DEFAULTS: Readonly<Policy> = DEFAULT_POLICY;

/** A partial override (global or per platform); unknown keys are rejected so a typo cannot go unnoticed. */
export const policyOverrideSchema = z.strictObject({
  idleTimeoutSec: z.number().positive().optional(),
  gapCapFactor: z.number().min(1).optional(),
  maxDelaySec: z.number().min(0).optional(),
  maxPlaybackRate: z.number().positive().optional(),
  seekToleranceSec: z.number().min(0).optional(),
  minQuizSecondsPerQuestion: z.number().min(0).optional(),
  deviceShareLimit: z.int().min(1).optional(),
}) satisfies z.ZodType<Partial<Policy>>;

/** Effective policy: defaults, then the global override, then the platform's. */
export function resolvePolicy(...overrides: (Partial<Policy> | undefined)[]): Policy {
  const out: Policy = { ...POLICY_DEFAULTS };
  for (const o of overrides) {
    if (!o) continue;
    for (const k of POLICY_KEYS) {
      const v = o[k];
      if (v !== undefined) out[k] = v;
    }
  }
  return out;
}

/** The rules engine's per-platform policy lookup for a configuration (defaults → global → platform). */
export function policyForConfig(config: {
  policy: Partial<Policy>;
  platforms: readonly { id: string; policy?: Partial<Policy> }[];
}): PolicyFor {
  return createPolicyFor({
    global: config.policy,
    perPlatform: Object.fromEntries(config.platforms.map((p) => [p.id, p.policy ?? {}])),
  });
}
