import { describe, expect, it } from 'vitest';
import { parseRecord } from './parse-record';

const heartbeat = {
  id: 'S1-h1',
  type: 'heartbeat',
  time: '2026-03-01T08:00:30.000Z',
  receivedAt: '2026-03-01T08:00:31.000Z',
  platformId: 'cvto',
  learnerId: 'L1',
  sessionId: 'S1',
  courseId: 'c1',
  seq: 1,
  intervalSec: 30,
  focus: true,
  interactions: 2,
};

describe('parseRecord: a record of the events topic, validated again as a replayed event', () => {
  it('accepts an accepted event as it is', () => {
    expect(parseRecord(JSON.stringify(heartbeat))).toEqual({ ok: true, event: heartbeat });
  });

  it('accepts what only the full validation accepts (an offset timestamp the fast path leaves to it)', () => {
    const odd = { ...heartbeat, time: '2026-03-01T16:00:30.5+08:00' };
    expect(parseRecord(JSON.stringify(odd))).toMatchObject({ ok: true });
  });

  it.each([
    ['not JSON', '{"id":', { type: 'unknown', reason: 'not JSON' }],
    ['not an object', '42', { type: 'unknown', reason: ': invalid_type' }],
    ['null', 'null', { type: 'unknown', reason: ': invalid_type' }],
    [
      'an unknown type',
      JSON.stringify({ ...heartbeat, type: 'heartbeat.v2' }),
      { type: 'unknown', reason: 'type: invalid_value' },
    ],
    [
      'a null courseId',
      JSON.stringify({ ...heartbeat, courseId: null }),
      { type: 'heartbeat', reason: 'heartbeat.courseId: invalid_type' },
    ],
    [
      'a tab in the learner id',
      JSON.stringify({ ...heartbeat, learnerId: 'L\t1' }),
      { type: 'heartbeat', reason: 'heartbeat.learnerId: invalid_format' },
    ],
    [
      'no receivedAt',
      JSON.stringify({ ...heartbeat, receivedAt: undefined }),
      { type: 'heartbeat', reason: 'heartbeat.receivedAt: invalid_type' },
    ],
    [
      'an empty receivedAt',
      JSON.stringify({ ...heartbeat, receivedAt: '' }),
      { type: 'heartbeat', reason: 'heartbeat.receivedAt: invalid_timestamp' },
    ],
    [
      'a key the schema does not know',
      JSON.stringify({ ...heartbeat, extra: 1 }),
      { type: 'heartbeat', reason: 'heartbeat.extra: unrecognized_key' },
    ],
  ])('refuses %s, naming the type for the metric and the first reason for the log', (_, value, expected) => {
    expect(parseRecord(value)).toEqual({ ok: false, ...expected });
  });
});
