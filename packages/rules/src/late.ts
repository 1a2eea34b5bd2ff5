import { type Policy, secToMs } from './policy';

/** Received more than maxDelaySec after it happened: the whole window it closes is withheld. */
export function isLate(tMs: number, rMs: number, policy: Policy): boolean {
  return rMs - tMs > secToMs(policy.maxDelaySec);
}
