import { parseTimestamp } from '@hourglass/events';
import { describe, expect, it } from 'vitest';
import { generateTraffic } from './generate';
import { liveSchedule, type Outgoing, replaySchedule, toBatches } from './send';

const traffic = generateTraffic({
  platforms: 2,
  learners: 30,
  minutes: 20,
  cheaters: 0.3,
  seed: 5,
  startMs: Date.UTC(2026, 2, 1),
});
const ms = (ts: string) => parseTimestamp(ts) as number;

describe('liveSchedule', () => {
  it('moves the timeline onto the real clock, sends at the simulated receipt, drops receivedAt', () => {
    const shift = 86_400_000 + 123;
    const schedule = liveSchedule(traffic.events, shift);
    schedule.forEach((o, i) => {
      const e = traffic.events[i];
      if (!e) throw new Error('length');
      expect(o.body).not.toHaveProperty('receivedAt');
      expect(ms(o.body.time)).toBe(ms(e.time) + shift);
      expect(o.sendAtMs).toBe(ms(e.receivedAt) + shift);
      // The server's receipt (≈ sendAtMs) never precedes the event: nothing is in the future.
      expect(ms(o.body.time)).toBeLessThanOrEqual(o.sendAtMs);
    });
  });
});

describe('replaySchedule', () => {
  it('keeps receivedAt and paces by speedup; 0 means all at once', () => {
    const real = 1_000_000;
    const paced = replaySchedule(traffic.events, real, traffic.startMs, 60);
    const last = traffic.events.at(-1);
    expect(paced.at(-1)?.sendAtMs).toBeCloseTo(real + (ms(last?.receivedAt ?? '') - traffic.startMs) / 60);
    expect(paced[0]?.body).toHaveProperty('receivedAt');
    expect(new Set(replaySchedule(traffic.events, real, traffic.startMs, 0).map((o) => o.sendAtMs))).toEqual(
      new Set([real]),
    );
  });
});

describe('toBatches', () => {
  const first = traffic.events[0];
  if (!first) throw new Error('no events');
  const o = (platformId: string, n: number): Outgoing => ({
    sendAtMs: n,
    platformId,
    body: { ...first, id: `e${n}` },
  });
  const due = [o('a', 1), o('b', 2), o('a', 3), o('a', 4), o('b', 5)];

  it('splits live traffic per platform keeping order, and by size', () => {
    const batches = toBatches(due, 2, true);
    expect(batches.map((b) => [b.platformId, b.items.map((i) => i.sendAtMs)])).toEqual([
      ['a', [1, 3]],
      ['a', [4]],
      ['b', [2, 5]],
    ]);
  });

  it('keeps replay traffic in one stream for the admin token', () => {
    const batches = toBatches(due, 1000, false);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.platformId).toBeNull();
    expect(batches[0]?.items.map((i) => i.sendAtMs)).toEqual([1, 2, 3, 4, 5]);
  });
});
