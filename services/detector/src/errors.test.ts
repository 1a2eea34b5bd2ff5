import { describe, expect, it } from 'vitest';
import { DetectorError, isDetectorError } from './errors';

describe('isDetectorError', () => {
  it('a fenced DetectorError is one, and is fenced; another code, a plain Error or a string are not fenced', () => {
    const fenced = new DetectorError('fenced', 'partition events/0 was claimed by another process');
    expect([
      isDetectorError(fenced),
      isDetectorError(fenced, 'fenced'),
      isDetectorError(new DetectorError('state_lost', 'gone'), 'fenced'),
      isDetectorError(new Error('fenced'), 'fenced'),
      isDetectorError('fenced'),
    ]).toEqual([true, true, false, false, false]);
  });
});
