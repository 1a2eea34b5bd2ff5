import { StateError } from './errors';
import type { CommitRequest } from './types';

/** Device starts of one commit grouped by device, in request order. */
export type StartsByDevice = Map<string, Array<{ learnerId: string; timeMs: number }>>;

function fail(message: string): never {
  throw new StateError('invalid_argument', message);
}

export function checkPartition(partition: unknown): asserts partition is string {
  if (typeof partition !== 'string' || partition.length === 0) fail('partition must be a non-empty string');
}

export function checkEpoch(epoch: unknown): asserts epoch is number {
  if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 1) {
    fail(`epoch must be a positive integer from claimPartition, got ${String(epoch)}`);
  }
}

export function checkIds(ids: readonly unknown[], what: string): asserts ids is readonly string[] {
  for (const id of ids) {
    if (typeof id !== 'string' || id.length === 0) fail(`${what} must be non-empty strings`);
  }
}

/**
 * Validates everything before anything is written, so that an adapter never stops half way through a
 * commit because of bad input (the all-or-nothing promise), and groups device starts per device.
 */
export function validateCommit(req: CommitRequest): StartsByDevice {
  checkPartition(req.partition);
  checkEpoch(req.epoch);
  if (typeof req.watermark !== 'string' || req.watermark.length === 0)
    fail('watermark must be a non-empty string');
  if (typeof req.outbox !== 'string' && !Buffer.isBuffer(req.outbox))
    fail('outbox must be a string or a Buffer');
  const prev = req.previousWatermark;
  if (prev !== undefined && prev !== null && (typeof prev !== 'string' || prev.length === 0))
    fail('previousWatermark must be a non-empty string, null or absent');
  if (
    req.countedUntil !== undefined &&
    (typeof req.countedUntil !== 'string' || req.countedUntil.length === 0)
  )
    fail('countedUntil must be a non-empty string or absent');
  if (
    req.countStretch !== undefined &&
    (typeof req.countStretch !== 'string' || req.countStretch.length === 0)
  )
    fail('countStretch must be a non-empty string or absent');
  for (const [learnerId, state] of req.learners) {
    if (typeof learnerId !== 'string' || learnerId.length === 0)
      fail('learner ids must be non-empty strings');
    if (state !== null && typeof state !== 'string')
      fail(`state of learner ${learnerId} must be a string or null`);
  }
  if (!(req.deviceVersions instanceof Map)) fail('deviceVersions must be a Map from loadDevices');
  checkIds([...req.deviceVersions.keys()], 'device ids');
  for (const [deviceId, version] of req.deviceVersions) {
    if (version !== null && (typeof version !== 'string' || version.length === 0)) {
      fail(`version of device ${deviceId} must be a non-empty string or null`);
    }
  }
  const byDevice: StartsByDevice = new Map();
  for (const start of req.deviceStarts) {
    if (typeof start.deviceId !== 'string' || start.deviceId.length === 0)
      fail('deviceId must be a non-empty string');
    if (typeof start.learnerId !== 'string' || start.learnerId.length === 0) {
      fail('device start learnerId must be a non-empty string');
    }
    // Integer ms: the time is part of the stored member, so 1.5 and 1.50000001 must not be two starts.
    if (!Number.isSafeInteger(start.timeMs))
      fail(`device start timeMs must be an integer, got ${start.timeMs}`);
    let list = byDevice.get(start.deviceId);
    if (!list) {
      list = [];
      byDevice.set(start.deviceId, list);
    }
    list.push({ learnerId: start.learnerId, timeMs: start.timeMs });
  }
  return byDevice;
}
