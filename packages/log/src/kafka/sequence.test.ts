import { describe, expect, it } from 'vitest';
import { nextSequence } from './lane';

describe('nextSequence (Kafka DefaultRecordBatch.incrementSequence)', () => {
  it.each([
    [0, 1, 1],
    [10, 100, 110],
    [2 ** 31 - 101, 100, 2 ** 31 - 1],
    [2 ** 31 - 100, 100, 0],
    [2 ** 31 - 1, 1, 0],
    [2 ** 31 - 1, 5, 4],
  ])('after %i, %i records → %i', (sequence, count, next) => {
    expect(nextSequence(sequence, count)).toBe(next);
  });
});
