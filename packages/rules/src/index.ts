export { deserializeState, STATE_FORMAT, serializeState } from './codec';
export { DEDUPE_CAPACITY } from './dedupe';
export { applyEvent } from './engine';
export { type RulesErrorCode, StateFormatError } from './errors';
export { MAX_EVIDENCE } from './flags';
export { DEFAULT_INTERVAL_SEC } from './live';
export type { DeviceStart, Outcome, StepContext, StepOutput, StepResult } from './output';
export { createPolicyFor, DEFAULT_POLICY, POLICY_KEYS, type Policy, type PolicyFor } from './policy';
export { PRUNE_AFTER_MS } from './prune';
export { createMemoryDeviceView, type MemoryDeviceView, runSequence } from './run';
export { MAX_SESSIONS } from './session-cap';
export { DEVICE_WINDOW_MS, type DeviceStartRef, type DeviceView } from './shared-device';
export {
  type Attributes,
  emptyLearnerState,
  type FlagState,
  type LearnerState,
  type SessionState,
} from './state';
