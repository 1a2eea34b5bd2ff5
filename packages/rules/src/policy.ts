/** Tunable thresholds of SPEC §4. Seconds stay seconds here; the engine converts to ms where it compares times. */
export interface Policy {
  idleTimeoutSec: number;
  gapCapFactor: number;
  maxDelaySec: number;
  maxPlaybackRate: number;
  seekToleranceSec: number;
  minQuizSecondsPerQuestion: number;
  deviceShareLimit: number;
}

/** SPEC §4 defaults. */
export const DEFAULT_POLICY: Policy = Object.freeze({
  idleTimeoutSec: 300,
  gapCapFactor: 2,
  maxDelaySec: 120,
  maxPlaybackRate: 2.0,
  seekToleranceSec: 5,
  minQuizSecondsPerQuestion: 3,
  deviceShareLimit: 3,
});

/** Every policy key, so configuration can reject unknown ones (SPEC §6). */
export const POLICY_KEYS: readonly (keyof Policy)[] = Object.freeze([
  'idleTimeoutSec',
  'gapCapFactor',
  'maxDelaySec',
  'maxPlaybackRate',
  'seekToleranceSec',
  'minQuizSecondsPerQuestion',
  'deviceShareLimit',
]);

/** Policy of the platform a session belongs to. Must be pure: the engine may call it any number of times. */
export type PolicyFor = (platformId: string) => Policy;

/**
 * Layers global and per-platform overrides over the defaults. Policies are resolved once per platform
 * here rather than per event, because the engine asks for one on every event.
 */
export function createPolicyFor(
  options: {
    /** Overrides of the defaults for every platform. */
    global?: Partial<Policy>;
    /** Overrides of the global policy, by platform id. */
    perPlatform?: Readonly<Record<string, Partial<Policy>>>;
  } = {},
): PolicyFor {
  const { global = {}, perPlatform = {} } = options;
  const base: Policy = Object.freeze({ ...DEFAULT_POLICY, ...definedOnly(global) });
  const resolved = new Map<string, Policy>();
  for (const [platformId, overrides] of Object.entries(perPlatform)) {
    resolved.set(platformId, Object.freeze({ ...base, ...definedOnly(overrides) }));
  }
  return (platformId) => resolved.get(platformId) ?? base;
}

function definedOnly(p: Partial<Policy>): Partial<Policy> {
  const out: Partial<Policy> = {};
  for (const key of POLICY_KEYS) {
    const v = p[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** Seconds of policy to whole milliseconds; rounding keeps 1.1 × 30 s from becoming 32 999.999… ms. */
export function secToMs(sec: number): number {
  return Math.round(sec * 1000);
}
