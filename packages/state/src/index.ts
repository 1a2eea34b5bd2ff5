export { deleteKeysUnder } from './delete-keys';
export type { StateErrorCode } from './errors';
export { isStateError, StateError } from './errors';
export type { MemoryStateStoreOptions } from './memory-store';
export { createMemoryStateStore } from './memory-store';
export { openStateStore } from './open';
export { DEFAULT_DEVICE_MAX_STARTS, DEFAULT_DEVICE_WINDOW_MS, DEFAULT_LEARNER_TTL_SEC } from './options';
export type { RedisStateStoreOptions } from './redis-store';
export { createRedisStateStore } from './redis-store';
export type {
  CommitOutcome,
  CommitRequest,
  DeviceStart,
  DeviceWindows,
  PartitionClaim,
  StateStore,
  StateStoreLimits,
  StateStoreStats,
} from './types';
