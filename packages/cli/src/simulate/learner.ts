import type { Course, LearnerProfile } from './catalogue';
import type { Rng } from './prng';
import { iso, type Receipt, SessionBuilder } from './session';
import type { Timeline } from './timeline';

export interface PlatformInfo {
  platformId: string;
  /** The platform's heartbeat cadence. */
  intervalSec: number;
}

/** Everything a scenario needs to generate one learner's traffic. */
export interface LearnerCtx {
  learnerId: string;
  rng: Rng;
  timeline: Timeline;
  profile: LearnerProfile;
  home: PlatformInfo;
  platforms: readonly PlatformInfo[];
  course: Course;
  client: string;
  rate: number;
  /** On-time delivery: a few seconds after the event. */
  receipt: Receipt;
}

export interface OpenOptions {
  ctx: LearnerCtx;
  /** The learner's n-th session. */
  n: number;
  startMs: number;
  platform?: PlatformInfo;
  deviceId?: string;
  course?: Course;
  receipt?: Receipt;
}

/** Session ids are `<learnerId>.s<n>`, device ids `<learnerId>.d<n>`: unique per learner by construction. */
export function openSession(opts: OpenOptions): SessionBuilder {
  const { ctx, n, startMs } = opts;
  const platform = opts.platform ?? ctx.home;
  return new SessionBuilder(
    ctx.timeline,
    ctx.rng,
    {
      platformId: platform.platformId,
      sessionId: `${ctx.learnerId}.s${n}`,
      learnerId: ctx.learnerId,
      course: opts.course ?? ctx.course,
      deviceId: opts.deviceId ?? `${ctx.learnerId}.d1`,
      profile: ctx.profile,
      intervalSec: platform.intervalSec,
      client: ctx.client,
      rate: ctx.rate,
    },
    startMs,
    opts.receipt ?? ctx.receipt,
  );
}

/** Heartbeats covering about `seconds` at a cadence (at least one). */
export function beatsFor(seconds: number, intervalSec: number): number {
  return Math.max(1, Math.round(seconds / intervalSec));
}

/** Heartbeats covering at least `seconds`, for stretches that must exceed a threshold. */
export function beatsAtLeast(seconds: number, intervalSec: number): number {
  return Math.max(1, Math.ceil(seconds / intervalSec));
}

export function certificate(
  ctx: LearnerCtx,
  platformId: string,
  timeMs: number,
  requiredHours: number,
  course: Course = ctx.course,
): void {
  ctx.timeline.push(
    {
      id: `${ctx.learnerId}.cert.${course.courseId}`,
      type: 'certificate.issued',
      time: iso(timeMs),
      platformId,
      learnerId: ctx.learnerId,
      courseId: course.courseId,
      certificateId: `CERT-${ctx.learnerId}-${course.courseId}`,
      requiredHours,
    },
    timeMs,
    ctx.receipt(timeMs),
  );
}
