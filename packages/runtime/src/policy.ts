import { z } from 'zod';

/**
 * Rule policy of SPEC §4 with its defaults. The rules package defines the same names and defaults; they
 * are repeated here so configuration can be validated without depending on the rules engine.
 */
export const POLICY_DEFAULTS = {
  idleTimeoutSec: 300,
  gapCapFactor: 2,
  maxDelaySec: 120,
  maxPlaybackRate: 2.0,
  seekToleranceSec: 5,
  minQuizSecondsPerQuestion: 3,
  deviceShareLimit: 3,
} as const;

export interface Policy {
  idleTimeoutSec: number;
  gapCapFactor: number;
  maxDelaySec: number;
  maxPlaybackRate: number;
  seekToleranceSec: number;
  minQuizSecondsPerQuestion: number;
  deviceShareLimit: number;
}

export const POLICY_KEYS = Object.keys(POLICY_DEFAULTS) as (keyof Policy)[];

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
