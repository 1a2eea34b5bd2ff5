import { describe, expect, it } from 'vitest';
import { largestState } from './batch-summary';

describe('the largest state a batch writes', () => {
  it('is measured in UTF-8 bytes, not characters', () => {
    const states = new Map([
      ['L-ascii', 'a'.repeat(10)],
      ['L-han', '学'.repeat(5)], // 5 characters, 15 bytes
      ['L-longer', 'b'.repeat(12)],
      ['L-pairs', '😀'.repeat(3)], // 6 characters, 12 bytes
    ]);
    expect(largestState(states)).toEqual({ bytes: 15, learnerId: 'L-han' });
  });

  it('keeps the first of equal sizes, and is 0 bytes for a batch that writes no state', () => {
    expect(
      largestState(
        new Map([
          ['L1', 'abc'],
          ['L2', 'xyz'],
        ]),
      ),
    ).toEqual({ bytes: 3, learnerId: 'L1' });
    expect(largestState(new Map())).toEqual({ bytes: 0, learnerId: '' });
  });
});
