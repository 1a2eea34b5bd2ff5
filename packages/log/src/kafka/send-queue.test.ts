import { describe, expect, it } from 'vitest';
import { isLogError, LogError } from '../errors';
import type { OutgoingRecord } from '../types';
import { createSendQueue } from './send-queue';

const rec = (key: string, value = 'v'): OutgoingRecord => ({ topic: 't', key, value });

function recorder(opts: { delayMs?: number; fail?: (batch: OutgoingRecord[]) => Error | undefined } = {}) {
  const batches: OutgoingRecord[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    batches,
    maxInFlight: () => maxInFlight,
    async sendBatch(records: OutgoingRecord[]) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, opts.delayMs ?? 5));
      inFlight--;
      const err = opts.fail?.(records);
      if (err) throw err;
      batches.push(records);
    },
  };
}

describe('send queue', () => {
  it('coalesces concurrent sends into few batches, one in flight, in call order', async () => {
    const r = recorder();
    const q = createSendQueue({
      sendBatch: r.sendBatch,
      maxBatchBytes: 1e6,
      maxBatchRecords: 1e4,
      timeoutMs: 5000,
    });
    await Promise.all(Array.from({ length: 100 }, (_, i) => q.send([rec('k', String(i))])));
    expect(r.maxInFlight()).toBe(1);
    expect(r.batches.length).toBeLessThanOrEqual(3);
    expect(r.batches.flat().map((x) => x.value)).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    expect(q.stats()).toEqual({ batches: r.batches.length, records: 100 });
  });

  it('splits by bytes and by record count, and resolves a send only when all its chunks are sent', async () => {
    const r = recorder();
    const byCount = createSendQueue({
      sendBatch: r.sendBatch,
      maxBatchBytes: 100,
      maxBatchRecords: 3,
      timeoutMs: 5000,
    });
    const seven = Array.from({ length: 7 }, (_, i) => rec(`k${i}`, 'vv'));
    await byCount.send(seven);
    expect(r.batches.map((b) => b.length)).toEqual([3, 3, 1]);
    r.batches.length = 0;
    // 4 bytes per record (key + value), 10 bytes per batch.
    const byBytes = createSendQueue({
      sendBatch: r.sendBatch,
      maxBatchBytes: 10,
      maxBatchRecords: 100,
      timeoutMs: 5000,
    });
    await byBytes.send(seven);
    expect(r.batches.map((b) => b.length)).toEqual([2, 2, 2, 1]);
    // A record bigger than the limit still goes, alone; the broker decides.
    await byBytes.send([rec('k', 'x'.repeat(50)), rec('k', 'y')]);
    expect(r.batches.slice(-2).map((b) => b.length)).toEqual([1, 1]);
  });

  it('rejects every send of a failed batch, and later sends still go through', async () => {
    let failNext = true;
    const r = recorder({
      fail: () => {
        if (!failNext) return undefined;
        failNext = false;
        return new LogError('unavailable', 'broker down');
      },
    });
    const q = createSendQueue({
      sendBatch: r.sendBatch,
      maxBatchBytes: 1e6,
      maxBatchRecords: 1e4,
      timeoutMs: 5000,
    });
    const results = await Promise.allSettled([q.send([rec('a')]), q.send([rec('b')])]);
    expect(results[0]?.status).toBe('rejected');
    await q.send([rec('c')]);
    expect(r.batches.flat().map((x) => x.key)).toContain('c');
  });

  it('rejects with unavailable at the deadline and never sends the rest of a timed-out send', async () => {
    const r = recorder({ delayMs: 200 });
    const q = createSendQueue({
      sendBatch: r.sendBatch,
      maxBatchBytes: 2,
      maxBatchRecords: 1,
      timeoutMs: 50,
    });
    const started = Date.now();
    const err = await q.send([rec('a'), rec('b'), rec('c')]).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(150);
    expect(isLogError(err, 'unavailable')).toBe(true);
    await q.drain();
    expect(r.batches.flat().map((x) => x.key)).toEqual(['a']);
  });
});
