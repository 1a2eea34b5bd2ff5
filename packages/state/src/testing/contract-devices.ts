import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { CommitRequest, DeviceStart, StateStore, StateStoreLimits } from '../types';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const P = 'hourglass.events.v1/5';

type Start = CommitRequest['deviceStarts'][number];

function commitOf(epoch: number, watermark: string, deviceStarts: Start[]): CommitRequest {
  return {
    partition: P,
    epoch,
    watermark,
    outbox: `out@${watermark}`,
    learners: new Map(),
    deviceStarts,
    deviceVersions: new Map(),
  };
}

/** The one question the shared-device check asks of a window (SPEC §4): who started within 24 h of t? */
function learnersNear(starts: readonly Pick<DeviceStart, 'learnerId' | 'timeMs'>[], t: number): string[] {
  return [...new Set(starts.filter((s) => Math.abs(s.timeMs - t) <= DAY).map((s) => s.learnerId))].sort();
}

/**
 * Device-window cases of the StateStore contract: the window keeps, per learner, only the starts that can
 * change the answer of the shared-device check, so no learner can push another out of it.
 */
export function describeDeviceWindowContract(
  setup: (limits?: StateStoreLimits) => Promise<{ store: StateStore }>,
): void {
  // Found in review: the window kept the newest 1,000 starts of the device whoever made them, so one
  // account starting 1,000 sessions hid every other learner from the check.
  it('an account flooding a device with starts does not push other learners out of its window', async () => {
    const { store } = await setup();
    const { epoch } = await store.claimPartition(P);
    const others = [
      { deviceId: 'D1', learnerId: 'L2', timeMs: T0 },
      { deviceId: 'D1', learnerId: 'L3', timeMs: T0 + HOUR },
      { deviceId: 'D1', learnerId: 'L4', timeMs: T0 + 2 * HOUR },
    ];
    expect(await store.commit(commitOf(epoch, '1', others))).toBe('ok');
    const flood = Array.from({ length: 1000 }, (_, i) => ({
      deviceId: 'D1',
      learnerId: 'L1',
      timeMs: T0 + 27 * HOUR + i * 1000,
    }));
    for (let i = 0; i < flood.length; i += 250) {
      expect(await store.commit(commitOf(epoch, String(2 + i), flood.slice(i, i + 250)))).toBe('ok');
    }
    expect((await store.loadDevices(['D1'])).starts.get('D1')).toEqual([
      { learnerId: 'L2', timeMs: T0 },
      { learnerId: 'L3', timeMs: T0 + HOUR },
      { learnerId: 'L4', timeMs: T0 + 2 * HOUR },
      { learnerId: 'L1', timeMs: T0 + 27 * HOUR },
      { learnerId: 'L1', timeMs: T0 + 27 * HOUR + 999_000 },
    ]);
  });

  it('keeps, for every instant, the learners with a start within 24 h of it, with at most two starts of a learner in any 48 h', async () => {
    const start = fc.record({
      learnerId: fc.constantFrom('a', 'b', 'c|d'),
      timeMs: fc.oneof(
        fc.integer({ min: 0, max: 6 * DAY }),
        fc.constantFrom(0, DAY, 2 * DAY, 2 * DAY + 1, 4 * DAY),
      ),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(start, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 5 }),
        async (commits) => {
          const { store } = await setup();
          const { epoch } = await store.claimPartition(P);
          const all: Start[] = [];
          for (const [i, batch] of commits.entries()) {
            const starts = batch.map((s) => ({
              deviceId: 'D',
              learnerId: s.learnerId,
              timeMs: T0 + s.timeMs,
            }));
            all.push(...starts);
            expect(await store.commit(commitOf(epoch, String(i + 1), starts))).toBe('ok');
          }
          const kept = (await store.loadDevices(['D'])).starts.get('D') ?? [];
          for (const t of [...all.map((s) => s.timeMs), T0 - DAY, T0 + 3 * DAY + 7]) {
            expect(learnersNear(kept, t)).toEqual(learnersNear(all, t));
          }
          for (const learner of ['a', 'b', 'c|d']) {
            const times = kept.filter((s) => s.learnerId === learner).map((s) => s.timeMs);
            for (let i = 2; i < times.length; i++) {
              expect((times[i] as number) - (times[i - 2] as number)).toBeGreaterThan(2 * DAY);
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });
}
