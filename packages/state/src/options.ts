import { StateError } from './errors';
import type { StateStoreLimits } from './types';

/**
 * Wall-clock expiry of a learner's state after its last write. The rules keep a session two pruning
 * horizons (14 d + 1 min of event time) after the learner's latest event, and ingest accepts events up to
 * 7 d old: an event processed W + TTL after the key's last write W has a time ≥ W + TTL − 7 d, and the
 * state may still hold sessions for it until W + 30 s + 14 d + 1 min. So below 21 d + 1.5 min the
 * expiry was visible: an offline upload received 8 days after the learner was last seen began a new
 * session instead of continuing its own (found in review; SPEC §4: "never on the detector's wall
 * clock"). 22 days: a day of margin, for a detector backlog that grows between the two events.
 */
export const DEFAULT_LEARNER_TTL_SEC = 22 * 24 * 60 * 60;
const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * How long device starts are kept behind the newest start on the device. A session.start can be
 * processed up to 7 d + 30 s after a newer one (ingest refuses times older than receipt − 7 d and newer
 * than receipt + 30 s), and its check needs the starts 24 h before it (SPEC §4). Kept this long, a late
 * start sees what it would have seen in time order, so that "at least (learners − limit) sessions are
 * flagged" does not depend on the order (with partitions processed in receipt order, as everywhere).
 */
export const DEFAULT_DEVICE_WINDOW_MS = 7 * DAY_MS + 30_000 + DAY_MS;
export const DEFAULT_DEVICE_MAX_STARTS = 1000;
/**
 * The shared-device check asks one thing of a window: does learner X have a start within 24 h of t,
 * either side (SPEC §4)? A start of X whose kept neighbouring starts of X are at most 48 h apart
 * cannot change that answer: any 48 h span holding it holds one of them. Such starts are dropped, so
 * a learner keeps about two starts per 48 h however often it starts sessions, and an account that
 * floods a device cannot push other learners out of the window (found in review).
 */
export const DEFAULT_DEVICE_THIN_SPAN_MS = 2 * DAY_MS;

export interface ResolvedLimits {
  learnerTtlMs: number;
  deviceWindowMs: number;
  deviceMaxStarts: number;
  deviceThinSpanMs: number;
  /**
   * Wall-clock expiry of a device key, refreshed by every start written to it. The window is measured in
   * event time, expiry in wall-clock time; they differ during replay and for late data, so a key outlives
   * one window by a day.
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
    deviceThinSpanMs: DEFAULT_DEVICE_THIN_SPAN_MS,
    // A device key serves the window only (event time); it need not live as long as learners.
    deviceTtlMs: deviceWindowMs + DAY_MS,
  };
}
