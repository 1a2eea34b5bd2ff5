import type { CertificateRecord, FlagUpdate, Segment, SessionRecord } from '@hourglass/events';
import type { PolicyFor } from './policy';
import type { DeviceView } from './shared-device';
import type { LearnerState } from './state';

export type Outcome = 'applied' | 'duplicate' | 'stale' | 'ignored';

export interface DeviceStart {
  deviceId: string;
  learnerId: string;
  timeMs: number;
}

export interface StepOutput {
  outcome: Outcome;
  segments: Segment[];
  flags: FlagUpdate[];
  sessions: SessionRecord[];
  certificates: CertificateRecord[];
  /** Session starts to record in the device windows (and in the view of later events of the same batch). */
  deviceStarts: DeviceStart[];
}

export interface StepContext {
  policyFor: PolicyFor;
  devices: DeviceView;
  /** Sessions a learner keeps (session-cap.ts); default MAX_SESSIONS. Tests use small caps. */
  maxSessions?: number;
}

export interface StepResult {
  state: LearnerState;
  out: StepOutput;
}

export function emptyOutput(outcome: Outcome): StepOutput {
  return { outcome, segments: [], flags: [], sessions: [], certificates: [], deviceStarts: [] };
}

/** An output whose segments and flags are already built (no empty arrays made only to be replaced). */
export function outputWith(outcome: Outcome, segments: Segment[], flags: FlagUpdate[]): StepOutput {
  return { outcome, segments, flags, sessions: [], certificates: [], deviceStarts: [] };
}

/** What a handler sees: the learner after dedupe and pruning, and the event's times. */
export interface Step {
  readonly learner: LearnerState;
  readonly tMs: number;
  readonly rMs: number;
  /** Events older than this cannot begin a session: theirs would have been pruned or dropped already. */
  readonly horizonMs: number;
  readonly ctx: StepContext;
}
