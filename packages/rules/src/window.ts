import type { HeartbeatEvent, WithholdKind } from '@hourglass/events';
import { advanceMicros } from './micros';

/** A half-open stretch of time (fromMs, toMs], in epoch ms. */
export interface Span {
  readonly fromMs: number;
  readonly toMs: number;
}

/** A stretch of a window that one withholding kind applies to. */
export interface Mark extends Span {
  readonly kind: WithholdKind;
}

/** W = (p, min(t, p + cap)]; anything past the cap is a gap, neither verified nor withheld. */
export function windowOf(pMs: number, tMs: number, capMs: number): Span {
  return { fromMs: pMs, toMs: Math.min(tMs, pMs + capMs) };
}

export type Activity = 'presence_failed' | 'active' | 'inactive';

/**
 * How a heartbeat qualifies the window it closes (SPEC §4 "Activity"). A failed presence check overrides
 * everything the heartbeat reports. Media counts only against the previous heartbeat's position and only
 * while playing; the elapsed time is the uncapped t − p.
 */
export function heartbeatActivity(
  h: HeartbeatEvent,
  tMs: number,
  pMs: number,
  prevMediaPosSec: number | null,
): Activity {
  if (h.presence === 'failed') return 'presence_failed';
  if (h.presence === 'passed') return 'active';
  if (!h.focus) return 'inactive';
  if (h.interactions >= 1) return 'active';
  const media = h.media;
  if (media?.playing === true && prevMediaPosSec !== null) {
    // ≥ 0.5 × (t − p) seconds, in µs: 2 × advance ≥ (t − p) ms × 1000.
    if (2 * advanceMicros(media.positionSec, prevMediaPosSec) >= (tMs - pMs) * 1000) return 'active';
  }
  return 'inactive';
}

/**
 * The idle or presence_failed part of a window, if any. Without fresh activity the window is engaged up to
 * A + idleTimeout and idle after; A = −∞ (null) makes all of it idle.
 */
export function activityMark(
  win: Span,
  activity: Activity,
  activityMs: number | null,
  idleMs: number,
): Mark | null {
  if (activity === 'presence_failed') return { fromMs: win.fromMs, toMs: win.toMs, kind: 'presence_failed' };
  if (activity === 'active') return null;
  const cut = activityMs === null ? Number.NEGATIVE_INFINITY : activityMs + idleMs;
  if (cut >= win.toMs) return null;
  return { fromMs: Math.max(win.fromMs, cut), toMs: win.toMs, kind: 'idle' };
}

/**
 * A after the window: a failed check forgets all activity, an active heartbeat is activity itself. A never
 * moves backwards otherwise, so a quiz with a later time processed earlier keeps counting.
 */
export function activityAfter(activity: Activity, activityMs: number | null, tMs: number): number | null {
  if (activity === 'presence_failed') return null;
  if (activity === 'active') return activityMs === null ? tMs : Math.max(activityMs, tMs);
  return activityMs;
}
