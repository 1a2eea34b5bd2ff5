import type { WithholdKind } from '@hourglass/events';
import { describe, expect, it } from 'vitest';
import { splitWindow } from './segments';
import type { Mark } from './window';

const mark = (fromMs: number, toMs: number, kind: WithholdKind): Mark => ({ fromMs, toMs, kind });
const piece = (startMs: number, endMs: number, kinds: WithholdKind[] = []) => ({ startMs, endMs, kinds });

describe('Splitting a window into segments', () => {
  it.each([
    { name: 'no marks: one verified piece', marks: [], pieces: [piece(0, 100)] },
    {
      name: 'a mark covering the window: one piece with its kind',
      marks: [mark(0, 100, 'late_report')],
      pieces: [piece(0, 100, ['late_report'])],
    },
    {
      name: 'a cut inside: two pieces',
      marks: [mark(40, 100, 'idle')],
      pieces: [piece(0, 40), piece(40, 100, ['idle'])],
    },
    {
      name: 'kinds are the union, sorted by name',
      marks: [mark(0, 100, 'shared_device'), mark(60, 100, 'idle'), mark(0, 100, 'late_report')],
      pieces: [
        piece(0, 60, ['late_report', 'shared_device']),
        piece(60, 100, ['idle', 'late_report', 'shared_device']),
      ],
    },
    {
      name: 'overlapping marks of one kind merge into their union',
      marks: [mark(10, 50, 'concurrent_session'), mark(30, 70, 'concurrent_session')],
      pieces: [piece(0, 10), piece(10, 70, ['concurrent_session']), piece(70, 100)],
    },
    {
      name: 'adjacent pieces with equal kinds merge',
      marks: [mark(10, 50, 'concurrent_session'), mark(50, 70, 'concurrent_session')],
      pieces: [piece(0, 10), piece(10, 70, ['concurrent_session']), piece(70, 100)],
    },
    {
      name: 'marks reaching outside the window are clipped',
      marks: [mark(-50, 20, 'concurrent_session'), mark(90, 500, 'idle')],
      pieces: [piece(0, 20, ['concurrent_session']), piece(20, 90), piece(90, 100, ['idle'])],
    },
    {
      name: 'zero-length marks and marks outside the window leave no piece',
      marks: [mark(50, 50, 'idle'), mark(200, 300, 'idle'), mark(-10, 0, 'idle')],
      pieces: [piece(0, 100)],
    },
  ])('$name', ({ marks, pieces }) => {
    expect(splitWindow({ fromMs: 0, toMs: 100 }, marks)).toEqual(pieces);
  });

  it('an empty window yields nothing', () => {
    expect(splitWindow({ fromMs: 5, toMs: 5 }, [mark(0, 10, 'idle')])).toEqual([]);
  });
});
