import { type RejectedEvent, topicNames } from '@hourglass/events';
import { invalidRows } from '@hourglass/warehouse';
import { describe, expect, it } from 'vitest';
import { emptyRows, mergeRows, routeRecords } from './route-records';

const topics = topicNames('t.');

describe('routeRecords: rejected events', () => {
  it('a rejected event with lone surrogates in its texts becomes a row the warehouse takes, the rest of the text as sent', () => {
    const rejected: RejectedEvent = {
      platformId: 'cvto',
      receivedAt: '2026-03-01T12:00:00.000Z',
      source: 'ingest',
      index: 2,
      id: 'bad\ud800',
      type: `${'\u{1F600}'.repeat(2)}\ud83d`,
      errors: [{ path: 'heartbeat.\udc00', code: 'unrecognized_key', message: 'unknown key \udc00' }],
      raw: '{"id":"bad\\ud800"}',
      truncated: false,
    };
    const rows = routeRecords(
      [
        {
          topic: topics.rejected,
          partition: 0,
          offset: '7',
          key: 'cvto',
          value: JSON.stringify(rejected),
          timestamp: 0,
        },
      ],
      topics,
    );
    expect(rows.rejected).toEqual([
      {
        ...rejected,
        id: 'bad\ufffd',
        type: `${'\u{1F600}'.repeat(2)}\ufffd`,
        errors: [{ path: 'heartbeat.\ufffd', code: 'unrecognized_key', message: 'unknown key \ufffd' }],
        rowId: 't.events.rejected.v1/0/7',
      },
    ]);
    expect(invalidRows('rejected', rows.rejected)).toEqual([]);
  });
});

// Found in review (mutation): a merge that kept only the first batch's rows passed every test, and the
// aggregator would have committed the other batches' offsets with their rows unwritten.
describe('mergeRows: the rows of the batches one group write takes', () => {
  it('keeps the rows of every batch, table by table, in batch order', () => {
    const a = emptyRows();
    const b = emptyRows();
    const c = emptyRows();
    a.segments.push({ segmentId: 's1' } as never);
    b.segments.push({ segmentId: 's2' } as never, { segmentId: 's3' } as never);
    b.flags.push({ flagId: 'f1' } as never);
    c.flags.push({ flagId: 'f2' } as never);
    const merged = mergeRows([a, b, c]);
    expect(merged.segments.map((s) => s.segmentId)).toEqual(['s1', 's2', 's3']);
    expect(merged.flags.map((f) => f.flagId)).toEqual(['f1', 'f2']);
    expect(mergeRows([a])).toBe(a);
  });
});
