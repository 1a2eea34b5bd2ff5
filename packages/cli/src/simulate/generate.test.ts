import { parseTimestamp, validateEvent } from '@hourglass/events';
import { describe, expect, it } from 'vitest';
import { generateTraffic, MAX_LEARNER_MINUTES, MIN_MINUTES, type TrafficOptions } from './generate';
import { createRng } from './prng';
import { CHEAT_SCENARIOS, EXPECTED_KINDS, FARM_SIZE, planCheaters } from './scenarios';

const base: TrafficOptions = {
  platforms: 3,
  learners: 80,
  minutes: 30,
  cheaters: 0.2,
  seed: 7,
  startMs: Date.UTC(2026, 2, 1, 1, 0, 0),
};
const ms = (ts: string) => parseTimestamp(ts) as number;

describe('createRng', () => {
  it('repeats its sequence for a seed and stays in range', () => {
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 1000 }, () => a.int(3, 9));
    expect(Array.from({ length: 1000 }, () => b.int(3, 9))).toEqual(xs);
    expect(Math.min(...xs)).toBe(3);
    expect(Math.max(...xs)).toBe(9);
    expect(createRng(43).next()).not.toBe(createRng(42).next());
  });
});

describe('generateTraffic', () => {
  it('is deterministic for a seed, and another seed gives other traffic', () => {
    const a = generateTraffic(base);
    const b = generateTraffic(base);
    expect(b.events).toEqual(a.events);
    expect([...b.labels]).toEqual([...a.labels]);
    const c = generateTraffic({ ...base, seed: 8 });
    expect(c.events.map((e) => e.time)).not.toEqual(a.events.map((e) => e.time));
  });

  it('produces events that pass the event schema with their receivedAt, ids unique per platform', () => {
    for (const seed of [1, 7, 99]) {
      const t = generateTraffic({ ...base, seed, cheaters: 0.5 });
      const ids = new Set<string>();
      for (const e of t.events) {
        const v = validateEvent(e, {});
        expect(v.ok ? [] : v.errors, e.id).toEqual([]);
        const key = `${e.platformId}/${e.id}`;
        expect(ids.has(key), key).toBe(false);
        ids.add(key);
      }
    }
  });

  it('keeps every event and its delivery inside the window, in delivery order', () => {
    for (const minutes of [MIN_MINUTES, 22, 60]) {
      const t = generateTraffic({ ...base, minutes, cheaters: 0.5 });
      let previous = Number.NEGATIVE_INFINITY;
      for (const e of t.events) {
        expect(ms(e.time)).toBeGreaterThanOrEqual(t.startMs);
        expect(ms(e.receivedAt)).toBeLessThan(t.endMs);
        expect(ms(e.receivedAt)).toBeGreaterThanOrEqual(previous);
        previous = ms(e.receivedAt);
      }
    }
  });

  it('labels every learner, uses only the given platforms and the requested share of cheaters', () => {
    const t = generateTraffic({ ...base, platformIds: ['cvto', 'skillup', 'gongjiang'] });
    expect(t.labels.size).toBe(80);
    expect(new Set(t.events.map((e) => e.platformId))).toEqual(new Set(['cvto', 'skillup', 'gongjiang']));
    const labels = [...t.labels.values()];
    expect(labels.filter((l) => l.scenario !== 'honest')).toHaveLength(16);
    // 16 cheaters cover every scenario once (the farm with FARM_SIZE accounts).
    expect(new Set(labels.map((l) => l.scenario))).toEqual(new Set(['honest', ...CHEAT_SCENARIOS]));
    for (const l of labels) expect(l.expectedKinds).toEqual(EXPECTED_KINDS[l.scenario]);
    expect(new Set(t.events.map((e) => e.learnerId))).toEqual(new Set(t.labels.keys()));
  });

  it('rejects options it cannot honour', () => {
    expect(() => generateTraffic({ ...base, minutes: MIN_MINUTES - 1 })).toThrow(/minutes/);
    expect(() => generateTraffic({ ...base, cheaters: 1.5 })).toThrow(/cheaters/);
    expect(() => generateTraffic({ ...base, platforms: 4, platformIds: ['a', 'b'] })).toThrow(/platforms/);
    expect(() => generateTraffic({ ...base, platformIds: ['Bad!', 'b', 'c'] })).toThrow(/platform id/);
    expect(() => generateTraffic({ ...base, learners: 0 })).toThrow(/learners/);
    // Refused at once, not after minutes of generating (review 'config-cli': --learners 100000000 ran on).
    const started = performance.now();
    expect(() => generateTraffic({ ...base, learners: 100_000_000, minutes: 30 })).toThrow(
      /learners × minutes must be at most 1000000/,
    );
    expect(performance.now() - started).toBeLessThan(1000);
    expect(MAX_LEARNER_MINUTES).toBe(1_000_000);
  });
});

describe('planCheaters', () => {
  it('cycles through the scenarios, farms whole, two-platform cases only with two platforms', () => {
    expect(planCheaters(0, 3)).toEqual([]);
    expect(planCheaters(3, 3)).toEqual(['idler', 'background_tab', 'presence_failed']);
    const sixteen = planCheaters(16, 2);
    expect(sixteen.filter((s) => s === 'device_farm')).toHaveLength(FARM_SIZE);
    expect(new Set(sixteen)).toEqual(new Set(CHEAT_SCENARIOS));
    // 12 leaves one slot after the 11 single scenarios: too few for a farm, so the cycle goes on.
    expect(planCheaters(12, 3)).not.toContain('device_farm');
    expect(planCheaters(12, 3)).toHaveLength(12);
    expect(planCheaters(30, 1)).not.toContain('concurrent_platforms');
    expect(planCheaters(30, 1)).toHaveLength(30);
  });
});
