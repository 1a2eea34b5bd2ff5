import { StateError } from './errors';
import type { StateStoreLimits } from './types';

export const DEFAULT_LEARNER_TTL_SEC = 8 * 24 * 60 * 60;
export const DEFAULT_DEVICE_WINDOW_MS = 48 * 60 * 60 * 1000;
export const DEFAULT_DEVICE_MAX_STARTS = 1000;

export interface ResolvedLimits {
  learnerTtlMs: number;
  deviceWindowMs: number;
  deviceMaxStarts: number;
  /**
   * Wall-clock expiry of a device key. The window is measured in event time, expiry in wall-clock time;
   * they differ during replay and for late data, so devices are kept as long as learners (and at least two
   * windows), not just one window.
   */
  deviceTtlMs: number;
}

export function resolveLimits(opts: StateStoreLimits): ResolvedLimits {
  const learnerTtlSec = opts.learnerTtlSec ?? DEFAULT_LEARNER_TTL_SEC;
  const deviceWindowMs = opts.deviceWindowMs ?? DEFAULT_DEVICE_WINDOW_MS;
  const deviceMaxStarts = opts.deviceMaxStarts ?? DEFAULT_DEVICE_MAX_STARTS;
  if (!(Number.isFinite(learnerTtlSec) && learnerTtlSec > 0)) {
    throw new StateError('invalid_argument', `learnerTtlSec must be > 0, got ${learnerTtlSec}`);
  }
  if (!(Number.isSafeInteger(deviceWindowMs) && deviceWindowMs > 0)) {
    throw new StateError(
      'invalid_argument',
      `deviceWindowMs must be a positive integer, got ${deviceWindowMs}`,
    );
  }
  if (!(Number.isSafeInteger(deviceMaxStarts) && deviceMaxStarts > 0)) {
    throw new StateError(
      'invalid_argument',
      `deviceMaxStarts must be a positive integer, got ${deviceMaxStarts}`,
    );
  }
  const learnerTtlMs = Math.max(1, Math.round(learnerTtlSec * 1000));
  return {
    learnerTtlMs,
    deviceWindowMs,
    deviceMaxStarts,
    deviceTtlMs: Math.max(learnerTtlMs, 2 * deviceWindowMs),
  };
}
