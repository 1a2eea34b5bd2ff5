import { afterEach, describe, expect, it } from 'vitest';
import { isStateError } from '../errors';
import type { CommitRequest, StateStore, StateStoreLimits } from '../types';
import { describeDeviceWindowContract } from './contract-devices';

/** What a contract run needs from an adapter: a fresh, isolated store and a way to let time pass. */
export interface ContractHarness {
  store: StateStore;
  /** Lets wall-clock time pass (a fake clock for memory, a real sleep for Redis). */
  advance(ms: number): Promise<void>;
  /** Closes the store (if still open) and removes everything it wrote. */
  cleanup(): Promise<void>;
}

export type MakeContractHarness = (limits: StateStoreLimits) => Promise<ContractHarness>;

const HOUR = 3_600_000;
/** The default device window, literally: a start may be processed 7 d + 30 s late and looks 24 h back. */
const WINDOW = 8 * 24 * HOUR + 30_000;
const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z, an event time unrelated to the wall clock
const P = 'hourglass.events.v1/3';

function req(partial: Partial<CommitRequest> & Pick<CommitRequest, 'epoch' | 'watermark'>): CommitRequest {
  return {
    partition: P,
    learners: new Map(),
    deviceStarts: [],
    outbox: `out@${partial.watermark}`,
    deviceVersions: new Map(),
    ...partial,
  };
}

function stateOf(id: string, version: number): string {
  return JSON.stringify({ id, version, pad: 'x'.repeat(250) });
}

/** One behavioural suite for every StateStore adapter; adapters differ only in how they are made. */
export function describeStateStoreContract(name: string, make: MakeContractHarness): void {
  describe(`StateStore contract: ${name}`, () => {
    const open: ContractHarness[] = [];
    async function setup(limits: StateStoreLimits = {}): Promise<ContractHarness> {
      const harness = await make(limits);
      open.push(harness);
      return harness;
    }
    afterEach(async () => {
      await Promise.all(open.splice(0).map((h) => h.cleanup()));
    });

    describeDeviceWindowContract(setup);

    it('round-trips learners through commit and loadLearners; missing ids are absent', async () => {
      const { store } = await setup();
      const { epoch } = await store.claimPartition(P);
      const learners = new Map([
        ['alice', stateOf('alice', 1)],
        ['bob|with-bar', stateOf('bob', 1)],
        ['中文-learner', 'é'],
      ]);
      expect(await store.commit(req({ epoch, watermark: '41', learners }))).toBe('ok');
      const loaded = await store.loadLearners(['alice', 'nobody', 'bob|with-bar', '中文-learner']);
      expect(loaded).toEqual(learners);
      expect(loaded.has('nobody')).toBe(false);
      expect(await store.loadLearners([])).toEqual(new Map());
    });

    it('claim starts with no watermark/outbox, bumps the epoch, and returns the last commit', async () => {
      const { store } = await setup();
      const first = await store.claimPartition(P);
      expect(first.watermark).toBeNull();
      expect(first.outbox).toBeNull();
      expect(Number.isSafeInteger(first.epoch) && first.epoch > 0).toBe(true);
      expect(await store.commit(req({ epoch: first.epoch, watermark: '99', outbox: 'segments-of-99' }))).toBe(
        'ok',
      );
      const second = await store.claimPartition(P);
      expect(second.epoch).toBeGreaterThan(first.epoch);
      expect(second).toMatchObject({ watermark: '99', outbox: 'segments-of-99' });
      const third = await store.claimPartition(P);
      expect(third.epoch).toBeGreaterThan(second.epoch);
    });

    it('keeps an outbox given as UTF-8 bytes and returns it as the same text', async () => {
      const { store } = await setup();
      const { epoch } = await store.claimPartition(P);
      const text = 'outbox/1\nt\t学习-learner\t{"a":"é"}';
      expect(await store.commit(req({ epoch, watermark: '7', outbox: Buffer.from(text, 'utf8') }))).toBe(
        'ok',
      );
      expect(await store.claimPartition(P)).toMatchObject({ watermark: '7', outbox: text });
    });

    it('fences a commit with a stale epoch after a newer claim and writes nothing', async () => {
      const { store } = await setup();
      const old = await store.claimPartition(P);
      const good = new Map([['alice', stateOf('alice', 1)]]);
      const goodStarts = [{ deviceId: 'dev-1', learnerId: 'alice', timeMs: T0 }];
      await store.commit(
        req({ epoch: old.epoch, watermark: '10', learners: good, deviceStarts: goodStarts }),
      );

      const current = await store.claimPartition(P);
      const zombie = await store.commit(
        req({
          epoch: old.epoch,
          watermark: '20',
          outbox: 'zombie-outbox',
          learners: new Map<string, string | null>([
            ['alice', stateOf('alice', 666)],
            ['mallory', stateOf('mallory', 666)],
            ['bob', null],
          ]),
          deviceStarts: [{ deviceId: 'dev-1', learnerId: 'mallory', timeMs: T0 + 1 }],
        }),
      );
      expect(zombie).toBe('fenced');
      expect(await store.loadLearners(['alice', 'mallory'])).toEqual(good);
      expect((await store.loadDevices(['dev-1'])).starts).toEqual(
        new Map([['dev-1', [{ learnerId: 'alice', timeMs: T0 }]]]),
      );
      await store.clearOutbox(P, old.epoch, '10'); // a zombie cannot clear either
      const after = await store.claimPartition(P);
      expect(after).toMatchObject({ watermark: '10', outbox: 'out@10' });
      expect(after.epoch).toBeGreaterThan(current.epoch);
      // The newest holder can write.
      expect(await store.commit(req({ epoch: after.epoch, watermark: '11' }))).toBe('ok');
    });

    it("refuses with 'conflict', writing nothing, a commit whose device window another partition wrote since it was read", async () => {
      const { store } = await setup();
      const p0 = await store.claimPartition('topic/0');
      const p1 = await store.claimPartition('topic/1');
      // Both partitions read the same (empty) device window, as two concurrent batches do.
      const read0 = await store.loadDevices(['farm', 'other']);
      const read1 = await store.loadDevices(['farm']);
      expect(read0.versions).toEqual(
        new Map([
          ['farm', null],
          ['other', null],
        ]),
      );
      expect(read0.starts).toEqual(new Map());
      const first = req({
        partition: 'topic/1',
        epoch: p1.epoch,
        watermark: '8',
        learners: new Map([['c', 'C8']]),
        deviceStarts: [{ deviceId: 'farm', learnerId: 'c', timeMs: T0 }],
        deviceVersions: read1.versions,
      });
      expect(await store.commit(first)).toBe('ok');
      const blind = req({
        partition: 'topic/0',
        epoch: p0.epoch,
        watermark: '5',
        learners: new Map([['a', 'A5']]),
        deviceStarts: [{ deviceId: 'farm', learnerId: 'a', timeMs: T0 + 1 }],
        deviceVersions: read0.versions,
      });
      expect(await store.commit(blind)).toBe('conflict');
      expect(await store.loadLearners(['a'])).toEqual(new Map());
      const fresh = await store.loadDevices(['farm', 'other']);
      expect(fresh.starts).toEqual(new Map([['farm', [{ learnerId: 'c', timeMs: T0 }]]]));
      expect(fresh.versions.get('farm')).toEqual(expect.any(String));
      expect(fresh.versions.get('other')).toBeNull();
      // Run again on the fresh windows, the batch commits.
      expect(await store.commit({ ...blind, deviceVersions: fresh.versions })).toBe('ok');
      expect(await store.loadLearners(['a'])).toEqual(new Map([['a', 'A5']]));
      expect((await store.loadDevices(['farm'])).starts.get('farm')).toEqual([
        { learnerId: 'c', timeMs: T0 },
        { learnerId: 'a', timeMs: T0 + 1 },
      ]);
      // Only the partition that committed moved on: topic/0 is at 5, topic/1 at 8.
      expect(await store.claimPartition('topic/0')).toMatchObject({ watermark: '5', outbox: 'out@5' });
      expect(await store.claimPartition('topic/1')).toMatchObject({ watermark: '8', outbox: 'out@8' });
    });

    it('versions a device window by its content: a commit conflicts exactly when a window it read has changed', async () => {
      const { store } = await setup();
      const { epoch } = await store.claimPartition(P);
      // Ids beyond ASCII: the Redis adapter's version is computed by the client and by the script alike.
      const start = (deviceId: string, learnerId: string, timeMs: number) => ({
        deviceId,
        learnerId,
        timeMs,
      });
      await store.commit(req({ epoch, watermark: '1', deviceStarts: [start('dé', '学员|1', T0)] }));
      const v1 = (await store.loadDevices(['dé'])).versions.get('dé') ?? null;
      expect(v1).toEqual(expect.any(String));
      const unchanged = (watermark: string) =>
        store.commit(req({ epoch, watermark, deviceVersions: new Map([['dé', v1]]) }));
      // Commits writing other devices, or none, or the very same start again leave the window as read.
      await store.commit(req({ epoch, watermark: '2', deviceStarts: [start('e', 'a', T0)] }));
      await store.commit(req({ epoch, watermark: '3', learners: new Map([['a', 'A3']]) }));
      await store.commit(req({ epoch, watermark: '4', deviceStarts: [start('dé', '学员|1', T0)] }));
      expect(await unchanged('5')).toBe('ok');
      // A new start changes it.
      await store.commit(req({ epoch, watermark: '6', deviceStarts: [start('dé', '学员-2', T0 + 1)] }));
      expect((await store.loadDevices(['dé'])).versions.get('dé')).not.toBe(v1);
      expect(await unchanged('7')).toBe('conflict');
      // A device read as empty conflicts once it has a window.
      expect(
        await store.commit(req({ epoch, watermark: '8', deviceVersions: new Map([['dé', null]]) })),
      ).toBe('conflict');
      expect(
        await store.commit(req({ epoch, watermark: '9', deviceVersions: new Map([['never', null]]) })),
      ).toBe('ok');
    });

    it("answers 'fenced' rather than 'conflict' when both apply", async () => {
      const { store } = await setup();
      const old = await store.claimPartition(P);
      const read = await store.loadDevices(['d']);
      const other = await store.claimPartition('topic/9');
      await store.commit(
        req({
          partition: 'topic/9',
          epoch: other.epoch,
          watermark: '1',
          deviceStarts: [{ deviceId: 'd', learnerId: 'b', timeMs: T0 }],
        }),
      );
      await store.claimPartition(P);
      expect(
        await store.commit(req({ epoch: old.epoch, watermark: '2', deviceVersions: read.versions })),
      ).toBe('fenced');
    });

    it('refuses a commit on a partition it holds no claim of (never claimed, or its keys lost) as lost', async () => {
      const { store } = await setup();
      expect(await store.commit(req({ epoch: 1, watermark: '1', learners: new Map([['a', 'x']]) }))).toBe(
        'lost',
      );
      expect(await store.loadLearners(['a'])).toEqual(new Map());
      expect(await store.claimPartition(P)).toMatchObject({ watermark: null, outbox: null });
    });

    // Found in review: a store that went back past the caller's own claim answered 'fenced', so the
    // detector waited for a newer claim that did not exist, for good.
    it('refuses as lost, not fenced, a commit whose epoch is above the stored one (the store lost the claim)', async () => {
      const { store } = await setup();
      const { epoch } = await store.claimPartition(P);
      expect(
        await store.commit(req({ epoch: epoch + 1, watermark: '1', learners: new Map([['a', 'x']]) })),
      ).toBe('lost');
      expect(await store.commit(req({ epoch: epoch - 1, watermark: '1' }))).toBe('fenced');
      expect(await store.loadLearners(['a'])).toEqual(new Map());
    });

    it('refuses as lost, writing nothing, a commit whose previousWatermark is not the stored one (the store went back in time)', async () => {
      const { store } = await setup();
      const { epoch } = await store.claimPartition(P);
      expect(await store.commit(req({ epoch, watermark: '3', previousWatermark: null }))).toBe('ok');
      expect(await store.commit(req({ epoch, watermark: '5', previousWatermark: '3' }))).toBe('ok');
      // This process wrote 7 too, but the store restarted without it: it still holds 5.
      const behind = req({ epoch, watermark: '9', previousWatermark: '7', learners: new Map([['a', 'x']]) });
      expect(await store.commit(behind)).toBe('lost');
      expect(await store.commit(req({ epoch, watermark: '9', previousWatermark: null }))).toBe('lost');
      expect(await store.loadLearners(['a'])).toEqual(new Map());
      expect(await store.claimPartition(P)).toMatchObject({ watermark: '5', outbox: 'out@5' });
    });

    it('stores the counted offset a commit gives and returns it with later claims; a commit without one leaves it', async () => {
      const { store } = await setup();
      const { epoch } = await store.claimPartition(P);
      expect(await store.claimPartition(P)).toMatchObject({ countedUntil: null });
      const next = (await store.claimPartition(P)).epoch;
      expect(epoch).toBeLessThan(next);
      expect(await store.commit(req({ epoch: next, watermark: '4', countedUntil: '9' }))).toBe('ok');
      const again = await store.claimPartition(P);
      expect(again).toMatchObject({ watermark: '4', countedUntil: '9' });
      expect(await store.commit(req({ epoch: again.epoch, watermark: '5' }))).toBe('ok');
      expect(await store.claimPartition(P)).toMatchObject({ watermark: '5', countedUntil: '9' });
    });

    it('stores the count stretch a commit gives beside the counted offset, and returns both with later claims', async () => {
      const { store } = await setup();
      expect(await store.claimPartition(P)).toMatchObject({ countedUntil: null, countStretch: null });
      const { epoch } = await store.claimPartition(P);
      const stretch = 'stretch/2 4 0\ncvto\t2026-03-01\t5\t3';
      expect(
        await store.commit(req({ epoch, watermark: '4', countedUntil: '5', countStretch: stretch })),
      ).toBe('ok');
      const again = await store.claimPartition(P);
      expect(again).toMatchObject({ watermark: '4', countedUntil: '5', countStretch: stretch });
      // A commit without one (a detector of an earlier release) leaves it as it was.
      expect(await store.commit(req({ epoch: again.epoch, watermark: '6', countedUntil: '7' }))).toBe('ok');
      expect(await store.claimPartition(P)).toMatchObject({ countedUntil: '7', countStretch: stretch });
    });

    it('keeps partitions independent', async () => {
      const { store } = await setup();
      const a = await store.claimPartition('topic/0');
      const b = await store.claimPartition('topic/1');
      await store.claimPartition('topic/1');
      expect(await store.commit(req({ partition: 'topic/0', epoch: a.epoch, watermark: '5' }))).toBe('ok');
      expect(await store.commit(req({ partition: 'topic/1', epoch: b.epoch, watermark: '5' }))).toBe(
        'fenced',
      );
      expect(await store.claimPartition('topic/1')).toMatchObject({ watermark: null });
    });

    it('clearOutbox clears only the outbox of the current watermark and epoch', async () => {
      const { store } = await setup();
      const { epoch } = await store.claimPartition(P);
      await store.commit(req({ epoch, watermark: '10', outbox: 'batch-10' }));
      await store.clearOutbox(P, epoch, '9'); // an older batch's confirmation must not clear batch 10
      let claim = await store.claimPartition(P);
      expect(claim).toMatchObject({ watermark: '10', outbox: 'batch-10' });
      await store.clearOutbox(P, claim.epoch, '10');
      claim = await store.claimPartition(P);
      expect(claim).toMatchObject({ watermark: '10', outbox: null });
      await store.clearOutbox(P, claim.epoch, '10'); // idempotent
      expect(await store.claimPartition(P)).toMatchObject({ watermark: '10', outbox: null });
    });

    it('deletes a learner when its state is null', async () => {
      const { store } = await setup();
      const { epoch } = await store.claimPartition(P);
      await store.commit(
        req({
          epoch,
          watermark: '1',
          learners: new Map([
            ['a', 'A'],
            ['b', 'B'],
          ]),
        }),
      );
      await store.commit(
        req({
          epoch,
          watermark: '2',
          learners: new Map([
            ['a', null],
            ['c', null],
          ]),
        }),
      );
      expect(await store.loadLearners(['a', 'b', 'c'])).toEqual(new Map([['b', 'B']]));
    });

    it('is idempotent: committing the same batch twice gives the same state', async () => {
      const { store } = await setup();
      const { epoch } = await store.claimPartition(P);
      const batch = req({
        epoch,
        watermark: '7',
        learners: new Map([['a', 'A7']]),
        deviceStarts: [
          { deviceId: 'd', learnerId: 'a', timeMs: T0 },
          { deviceId: 'd', learnerId: 'a', timeMs: T0 },
        ],
      });
      await store.commit(batch);
      await store.commit(batch);
      expect((await store.loadDevices(['d'])).starts).toEqual(
        new Map([['d', [{ learnerId: 'a', timeMs: T0 }]]]),
      );
      expect(await store.loadLearners(['a'])).toEqual(new Map([['a', 'A7']]));
    });

    it('keeps device windows of several learners and trims starts older than newest − window', async () => {
      const { store } = await setup();
      const { epoch } = await store.claimPartition(P);
      await store.commit(
        req({
          epoch,
          watermark: '1',
          deviceStarts: [
            { deviceId: 'dev-1', learnerId: 'l2', timeMs: T0 + HOUR },
            { deviceId: 'dev-1', learnerId: 'l1', timeMs: T0 },
            { deviceId: 'dev-2', learnerId: 'l4', timeMs: T0 },
            { deviceId: 'dev-1', learnerId: 'l3', timeMs: T0 + 2 * HOUR },
          ],
        }),
      );
      await store.commit(
        req({
          epoch,
          watermark: '2',
          deviceStarts: [{ deviceId: 'dev-1', learnerId: 'l1', timeMs: T0 + 3 * HOUR }],
        }),
      );
      expect((await store.loadDevices(['dev-1', 'dev-2', 'dev-none'])).starts).toEqual(
        new Map([
          [
            'dev-1',
            [
              { learnerId: 'l1', timeMs: T0 },
              { learnerId: 'l2', timeMs: T0 + HOUR },
              { learnerId: 'l3', timeMs: T0 + 2 * HOUR },
              { learnerId: 'l1', timeMs: T0 + 3 * HOUR },
            ],
          ],
          ['dev-2', [{ learnerId: 'l4', timeMs: T0 }]],
        ]),
      );
      // Newest moves to T0 + 1 h + the window (8 d + 30 s): everything before T0+1h goes; a start exactly at
      // the edge stays; a late start already outside the window is dropped at once.
      await store.commit(
        req({
          epoch,
          watermark: '3',
          deviceStarts: [
            { deviceId: 'dev-1', learnerId: 'l5', timeMs: T0 + HOUR + WINDOW },
            { deviceId: 'dev-1', learnerId: 'late', timeMs: T0 - 10 * HOUR },
          ],
        }),
      );
      expect((await store.loadDevices(['dev-1'])).starts.get('dev-1')).toEqual([
        { learnerId: 'l2', timeMs: T0 + HOUR },
        { learnerId: 'l3', timeMs: T0 + 2 * HOUR },
        { learnerId: 'l1', timeMs: T0 + 3 * HOUR },
        { learnerId: 'l5', timeMs: T0 + HOUR + WINDOW },
      ]);
      expect((await store.loadDevices(['dev-2'])).starts.get('dev-2')).toHaveLength(1); // other devices untouched
    });

    it('honours a custom device window and caps starts per device', async () => {
      const { store } = await setup({ deviceWindowMs: 1000, deviceMaxStarts: 3 });
      const { epoch } = await store.claimPartition(P);
      const deviceStarts = [400, 600, 700, 800, 900, 1500].map((dt, i) => ({
        deviceId: 'd',
        learnerId: `l${i}`,
        timeMs: T0 + dt,
      }));
      await store.commit(req({ epoch, watermark: '1', deviceStarts }));
      expect((await store.loadDevices(['d'])).starts.get('d')).toEqual([
        // 400 is outside the window (newest 1500 − 1000); of the five left, the three newest are kept.
        { learnerId: 'l3', timeMs: T0 + 800 },
        { learnerId: 'l4', timeMs: T0 + 900 },
        { learnerId: 'l5', timeMs: T0 + 1500 },
      ]);
    });

    it('expires learner state learnerTtl after its last write', async () => {
      // Margins of 400 ms either side so that a loaded machine (real sleeps for Redis) does not flake.
      const { store, advance } = await setup({ learnerTtlSec: 1 });
      const { epoch } = await store.claimPartition(P);
      await store.commit(
        req({
          epoch,
          watermark: '1',
          learners: new Map([
            ['a', 'A'],
            ['b', 'B'],
          ]),
        }),
      );
      await advance(600);
      await store.commit(req({ epoch, watermark: '2', learners: new Map([['b', 'B2']]) })); // refreshes b
      await advance(600);
      expect(await store.loadLearners(['a', 'b'])).toEqual(new Map([['b', 'B2']]));
    });

    it('commits 2,000 learners with device starts in one step and one round trip', async () => {
      const { store } = await setup();
      const { epoch } = await store.claimPartition(P);
      const learners = new Map<string, string>();
      for (let i = 0; i < 2000; i++) learners.set(`learner-${i}`, stateOf(`learner-${i}`, i));
      const deviceStarts = Array.from({ length: 200 }, (_, i) => ({
        deviceId: `device-${i % 50}`,
        learnerId: `learner-${i}`,
        timeMs: T0 + i,
      }));
      const before = store.stats();
      expect(await store.commit(req({ epoch, watermark: '2000', learners, deviceStarts }))).toBe('ok');
      const loaded = await store.loadLearners([...learners.keys()]);
      const devices = await store.loadDevices(Array.from({ length: 50 }, (_, i) => `device-${i}`));
      const after = store.stats();
      expect(loaded).toEqual(learners);
      expect(devices.starts.size).toBe(50);
      expect(devices.starts.get('device-7')).toHaveLength(4);
      expect(after.roundTrips - before.roundTrips).toBe(3);
      expect(after.commands - before.commands).toBe(1 + 1 + 50);
    });

    it('rejects invalid input with invalid_argument before writing anything', async () => {
      const { store } = await setup();
      const { epoch } = await store.claimPartition(P);
      const bad = req({
        epoch,
        watermark: '1',
        learners: new Map([['a', 'A']]),
        deviceStarts: [{ deviceId: 'd', learnerId: 'a', timeMs: 1.5 }],
      });
      await expect(store.commit(bad)).rejects.toSatisfy((e) => isStateError(e, 'invalid_argument'));
      await expect(store.claimPartition('')).rejects.toSatisfy((e) => isStateError(e, 'invalid_argument'));
      // Device versions must be what loadDevices returned: a Map of device ids to a version or null.
      const good = { epoch, watermark: '2', learners: new Map([['a', 'A']]) };
      for (const [deviceVersions, reason] of [
        [{ d: null }, /deviceVersions must be a Map from loadDevices/],
        [new Map([['', null]]), /device ids must be non-empty strings/],
        [new Map([['d', '']]), /version of device d must be a non-empty string or null/],
        [new Map([['d', 7]]), /version of device d must be a non-empty string or null/],
      ] as const) {
        const commit = req({
          ...good,
          deviceVersions: deviceVersions as unknown as CommitRequest['deviceVersions'],
        });
        await expect(store.commit(commit)).rejects.toSatisfy(
          (e) => isStateError(e, 'invalid_argument') && reason.test((e as Error).message),
        );
      }
      expect(await store.loadLearners(['a'])).toEqual(new Map());
    });

    it('answers ping and refuses calls after close', async () => {
      const { store } = await setup();
      await store.ping();
      await store.close();
      await expect(store.loadLearners(['a'])).rejects.toSatisfy((e) => isStateError(e, 'closed'));
      await store.close(); // idempotent
    });
  });
}
