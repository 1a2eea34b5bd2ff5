import { describe, expect, it } from 'vitest';
import { createGroupCommit } from './group-commit';

function recorder(opts: { fail?: (call: number) => boolean; delayMs?: number } = {}) {
  const writes: number[][] = [];
  let calls = 0;
  let inWrite = 0;
  let overlapped = false;
  return {
    writes,
    overlapped: () => overlapped,
    async write(items: number[]) {
      const call = calls++;
      inWrite++;
      overlapped ||= inWrite > 1;
      await new Promise((r) => setTimeout(r, opts.delayMs ?? 1));
      inWrite--;
      if (opts.fail?.(call)) throw new Error(`write ${call} failed`);
      writes.push(items);
    },
  };
}

const sizeOf = (n: number) => n;

describe('group commit', () => {
  it('writes batches that arrive together as one write, and resolves each only after it', async () => {
    const r = recorder();
    const g = createGroupCommit({ maxRows: 1000, lingerMs: 10, maxWaitMs: 1000, sizeOf, write: r.write });
    const settled: number[] = [];
    const adds = [1, 2, 3].map((n) => g.add(n).then(() => settled.push(n)));
    expect(r.writes).toEqual([]);
    await Promise.all(adds);
    expect(r.writes).toEqual([[1, 2, 3]]);
    expect(settled.sort()).toEqual([1, 2, 3]);
    expect(g.stats()).toEqual({ groups: 1, items: 3 });
  });

  it('writes a full group at once, without waiting', async () => {
    const r = recorder();
    const g = createGroupCommit({ maxRows: 10, lingerMs: 60_000, maxWaitMs: 60_000, sizeOf, write: r.write });
    const started = Date.now();
    await Promise.all([g.add(4), g.add(6)]);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(r.writes).toEqual([[4, 6]]);
  });

  it('writes at the latest maxWaitMs after the group opened, even while batches keep joining', async () => {
    const r = recorder();
    const g = createGroupCommit({ maxRows: 1_000_000, lingerMs: 40, maxWaitMs: 100, sizeOf, write: r.write });
    const started = Date.now();
    const adds: Promise<void>[] = [];
    for (let i = 0; i < 8; i++) {
      adds.push(g.add(1));
      await new Promise((res) => setTimeout(res, 25));
    }
    await Promise.all(adds);
    const firstGroup = r.writes[0] as number[];
    expect(firstGroup.length).toBeGreaterThanOrEqual(3);
    expect(firstGroup.length).toBeLessThan(8);
    expect(r.writes.flat()).toHaveLength(8);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('writes one group at a time, in order; batches arriving during a write form the next group', async () => {
    const r = recorder({ delayMs: 50 });
    const g = createGroupCommit({ maxRows: 1000, lingerMs: 5, maxWaitMs: 1000, sizeOf, write: r.write });
    const first = g.add(1);
    await new Promise((res) => setTimeout(res, 20)); // the first group is being written now
    await Promise.all([first, g.add(2), g.add(3)]);
    expect(r.writes).toEqual([[1], [2, 3]]);
    expect(r.overlapped()).toBe(false);
  });

  it('rejects every batch of a failed write with its error, and later groups still go out', async () => {
    const r = recorder({ fail: (call) => call === 0 });
    const g = createGroupCommit({ maxRows: 1000, lingerMs: 5, maxWaitMs: 1000, sizeOf, write: r.write });
    const failed = await Promise.allSettled([g.add(1), g.add(2)]);
    expect(failed.map((f) => f.status)).toEqual(['rejected', 'rejected']);
    expect((failed[0] as PromiseRejectedResult).reason).toEqual(new Error('write 0 failed'));
    await g.add(3);
    expect(r.writes).toEqual([[3]]);
    expect(g.stats()).toEqual({ groups: 1, items: 1 });
  });
});
