import { describe, expect, it } from 'vitest';
import { timeWindows } from './time-windows';

const MIN = 60_000;

describe('timeWindows', () => {
  it('covers every start, cutting only at gaps over 10 minutes', () => {
    expect(timeWindows([])).toEqual([]);
    expect(timeWindows([5])).toEqual([[5, 5]]);
    expect(timeWindows([3 * MIN, 0, 10 * MIN, 10 * MIN])).toEqual([[0, 10 * MIN]]);
    expect(timeWindows([0, 30 * MIN, 31 * MIN, 100 * MIN])).toEqual([
      [0, 0],
      [30 * MIN, 31 * MIN],
      [100 * MIN, 100 * MIN],
    ]);
  });

  it('keeps at most 24 windows, cutting the largest gaps', () => {
    const starts = Array.from({ length: 100 }, (_, i) => i * 60 * MIN + (i % 2) * MIN);
    const w = timeWindows(starts);
    expect(w).toHaveLength(24);
    for (const s of starts) expect(w.some(([a, b]) => a <= s && s <= b)).toBe(true);
  });
});
