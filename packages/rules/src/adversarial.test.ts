import type { AcceptedEvent } from '@hourglass/events';
import { describe, expect, it } from 'vitest';
import type { PolicyFor } from './policy';
import {
  end,
  flagsOf,
  hb,
  idleHb,
  policies,
  quiz,
  run,
  type Seg,
  seg,
  segsOf,
  start,
} from './testing/fixtures';

interface Case {
  name: string;
  events: AcceptedEvent[];
  policy?: PolicyFor;
  segments: Seg[];
  flags?: { kind: string; occurrences: number; withheldMs: number }[];
  session?: [string, string];
  outcomes?: string[];
}

function check(c: Case): void {
  const r = run(c.events, c.policy);
  const [session, platform] = c.session ?? ['S1', 'p1'];
  expect(segsOf(r, session, platform)).toEqual(c.segments);
  expect(flagsOf(r, session, platform)).toEqual(c.flags ?? []);
  if (c.outcomes) expect(r.outcomes).toEqual(c.outcomes);
}

const B = { platform: 'p2', session: 'T' };

describe('SPEC §4 re-derived: adversarial combinations, literal segments and flags', () => {
  const cases: Case[] = [
    {
      name: 'idle cut inside a capped window',
      events: [
        start({ t: '08:00:00' }),
        hb({ t: '08:00:30', seq: 1 }),
        idleHb({ t: '08:04:00', seq: 2 }),
        idleHb({ t: '08:06:30', seq: 3, interval: 60 }),
      ],
      segments: [
        seg('08:00:00', '08:00:30', 30_000),
        seg('08:00:30', '08:01:30', 60_000),
        seg('08:04:00', '08:05:30', 90_000),
        seg('08:05:30', '08:06:00', 30_000, ['idle']),
      ],
      flags: [{ kind: 'idle', occurrences: 1, withheldMs: 30_000 }],
    },
    {
      name: 'idle at A+idle exactly and +1ms',
      events: [hb({ t: '08:00:30', seq: 1 }), idleHb({ t: '08:05:30.001', seq: 2, interval: 300 })],
      segments: [seg('08:00:30', '08:05:30', 300_000), seg('08:05:30', '08:05:30.001', 1, ['idle'])],
      flags: [{ kind: 'idle', occurrences: 1, withheldMs: 1 }],
    },
    {
      name: 'late + concurrent + idle on one window, p1 idle override',
      policy: policies({}, { p1: { idleTimeoutSec: 20 } }),
      events: [
        start({ t: '08:00:00', ...B }),
        hb({ t: '08:00:30', seq: 1, ...B }),
        start({ t: '08:00:10' }),
        idleHb({ t: '08:01:50', r: '08:03:51', seq: 1, interval: 60 }),
      ],
      segments: [
        seg('08:00:10', '08:00:30', 20_000, ['concurrent_session', 'late_report']),
        seg('08:00:30', '08:01:30', 60_000, ['concurrent_session', 'idle', 'late_report']),
        seg('08:01:30', '08:01:50', 20_000, ['idle', 'late_report']),
      ],
      flags: [
        { kind: 'concurrent_session', occurrences: 1, withheldMs: 80_000 },
        { kind: 'idle', occurrences: 1, withheldMs: 80_000 },
        { kind: 'late_report', occurrences: 1, withheldMs: 100_000 },
      ],
    },
    {
      name: 'late exactly at maxDelay is not late, +1ms is',
      events: [
        hb({ t: '08:00:00', seq: 1 }),
        hb({ t: '08:00:30', r: '08:02:30', seq: 2 }),
        hb({ t: '08:01:00', r: '08:03:00.001', seq: 3 }),
      ],
      segments: [seg('08:00:00', '08:00:30', 30_000), seg('08:00:30', '08:01:00', 30_000, ['late_report'])],
      flags: [{ kind: 'late_report', occurrences: 1, withheldMs: 30_000 }],
    },
    {
      name: 'session.end before any heartbeat, then heartbeat stale',
      events: [start({ t: '08:00:00' }), end({ t: '08:03:00' }), hb({ t: '08:03:30', seq: 1 })],
      segments: [seg('08:00:00', '08:02:00', 120_000)],
      flags: [{ kind: 'replayed_event', occurrences: 1, withheldMs: 0 }],
      outcomes: ['applied', 'applied', 'stale'],
    },
    {
      name: 'session.end earlier than last hb',
      events: [
        start({ t: '08:00:00' }),
        hb({ t: '08:00:30', seq: 1 }),
        hb({ t: '08:01:00', seq: 2 }),
        end({ t: '08:00:45' }),
        hb({ t: '08:01:30', seq: 3 }),
        end({ t: '08:02:00', id: 'end2' }),
      ],
      segments: [seg('08:00:00', '08:00:30', 30_000), seg('08:00:30', '08:01:00', 30_000)],
      flags: [{ kind: 'replayed_event', occurrences: 2, withheldMs: 0 }],
      outcomes: ['applied', 'applied', 'applied', 'applied', 'stale', 'stale'],
    },
    {
      name: 'session.end equal to p: no interval',
      events: [start({ t: '08:00:00' }), hb({ t: '08:00:30', seq: 1 }), end({ t: '08:00:30' })],
      segments: [seg('08:00:00', '08:00:30', 30_000)],
    },
    {
      name: 'session.end after presence failed: idle whole window',
      events: [
        start({ t: '08:00:00' }),
        hb({ t: '08:00:30', seq: 1, presence: 'failed' }),
        end({ t: '08:00:40' }),
      ],
      segments: [
        seg('08:00:00', '08:00:30', 30_000, ['presence_failed']),
        seg('08:00:30', '08:00:40', 10_000, ['idle']),
      ],
      flags: [
        { kind: 'idle', occurrences: 1, withheldMs: 10_000 },
        { kind: 'presence_failed', occurrences: 1, withheldMs: 30_000 },
      ],
    },
    {
      name: 'out of order seq',
      events: [
        hb({ t: '08:00:00', seq: 4 }),
        hb({ t: '08:00:30', seq: 5 }),
        hb({ t: '08:01:00', seq: 5, id: 'x' }),
        hb({ t: '08:00:20', seq: 6 }),
        hb({ t: '08:00:30', seq: 7 }),
        hb({ t: '08:01:30', seq: 8 }),
      ],
      segments: [seg('08:00:00', '08:00:30', 30_000), seg('08:00:30', '08:01:30', 60_000)],
      flags: [{ kind: 'replayed_event', occurrences: 3, withheldMs: 0 }],
    },
    {
      name: 'intervalSec changes',
      events: [
        hb({ t: '08:00:00', seq: 1, interval: 30 }),
        hb({ t: '08:01:00', seq: 2, interval: 10 }),
        hb({ t: '08:03:00', seq: 3, interval: 60 }),
        end({ t: '08:10:00' }),
      ],
      segments: [
        seg('08:00:00', '08:00:20', 20_000),
        seg('08:01:00', '08:03:00', 120_000),
        seg('08:03:00', '08:05:00', 120_000),
      ],
    },
    {
      name: 'presence failed then passed',
      events: [
        hb({ t: '08:00:00', seq: 1 }),
        hb({ t: '08:00:30', seq: 2, presence: 'failed', interactions: 5 }),
        idleHb({ t: '08:01:00', seq: 3 }),
        idleHb({ t: '08:01:30', seq: 4, presence: 'passed' }),
        idleHb({ t: '08:02:00', seq: 5 }),
      ],
      segments: [
        seg('08:00:00', '08:00:30', 30_000, ['presence_failed']),
        seg('08:00:30', '08:01:00', 30_000, ['idle']),
        seg('08:01:00', '08:01:30', 30_000),
        seg('08:01:30', '08:02:00', 30_000),
      ],
      flags: [
        { kind: 'idle', occurrences: 1, withheldMs: 30_000 },
        { kind: 'presence_failed', occurrences: 1, withheldMs: 30_000 },
      ],
    },
    {
      name: 'beginning heartbeat with failed presence, then a live quiz restores A',
      events: [
        hb({ t: '08:00:00', seq: 1, presence: 'failed' }),
        quiz({ t: '08:00:10', questions: 1, durationSec: 10 }),
        idleHb({ t: '08:00:30', seq: 2 }),
      ],
      segments: [seg('08:00:00', '08:00:30', 30_000)],
    },
    {
      name: 'media that advanced exactly half of t − p is activity, 1 ms of media less is not, backwards never (idleTimeoutSec 10)',
      policy: policies({ idleTimeoutSec: 10 }),
      events: [
        idleHb({ t: '08:00:00', seq: 1, focus: true, media: { positionSec: 100, rate: 1, playing: true } }),
        idleHb({ t: '08:00:30', seq: 2, focus: true, media: { positionSec: 115, rate: 1, playing: true } }),
        idleHb({
          t: '08:01:00',
          seq: 3,
          focus: true,
          media: { positionSec: 129.999, rate: 1, playing: true },
        }),
        idleHb({ t: '08:01:30', seq: 4, focus: true, media: { positionSec: 100, rate: 1, playing: true } }),
      ],
      segments: [
        seg('08:00:00', '08:00:30', 30_000),
        seg('08:00:30', '08:00:40', 10_000),
        seg('08:00:40', '08:01:00', 20_000, ['idle']),
        seg('08:01:00', '08:01:30', 30_000, ['idle']),
      ],
      flags: [{ kind: 'idle', occurrences: 2, withheldMs: 50_000 }],
    },
    {
      name: 'seek thresholds and rate, per platform override',
      policy: policies({}, { p1: { maxPlaybackRate: 3, seekToleranceSec: 1 } }),
      events: [
        hb({ t: '08:00:00', seq: 1, media: { positionSec: 0, rate: 3, playing: true } }),
        hb({ t: '08:00:30', seq: 2, media: { positionSec: 91, rate: 3, playing: true } }),
        hb({ t: '08:01:00', seq: 3, media: { positionSec: 182.001, rate: 3.01, playing: true } }),
      ],
      segments: [seg('08:00:00', '08:00:30', 30_000), seg('08:00:30', '08:01:00', 30_000)],
      flags: [
        { kind: 'playback_rate', occurrences: 1, withheldMs: 0 },
        { kind: 'seek_ahead', occurrences: 1, withheldMs: 0 },
      ],
    },
    {
      name: 'equal start times on different platforms: p1 wins regardless of order',
      session: ['T', 'p2'],
      events: [
        start({ t: '08:00:00', ...B }),
        start({ t: '08:00:00' }),
        hb({ t: '08:00:30', seq: 1, ...B }),
        hb({ t: '08:00:30', seq: 1 }),
      ],
      segments: [seg('08:00:00', '08:00:30', 30_000, ['concurrent_session'])],
      flags: [{ kind: 'concurrent_session', occurrences: 1, withheldMs: 30_000 }],
    },
    {
      name: 'session on p2 starts while p1 session idle (still live)',
      session: ['T', 'p2'],
      events: [
        hb({ t: '08:00:00', seq: 1 }),
        idleHb({ t: '08:00:30', seq: 2 }),
        start({ t: '08:01:00', ...B }),
        hb({ t: '08:01:45', seq: 1, ...B }),
      ],
      segments: [
        seg('08:01:00', '08:01:30', 30_000, ['concurrent_session']),
        seg('08:01:30', '08:01:45', 15_000),
      ],
      flags: [{ kind: 'concurrent_session', occurrences: 1, withheldMs: 30_000 }],
    },
    {
      name: 'session on p2 starts after the p1 session ended',
      session: ['T', 'p2'],
      events: [
        hb({ t: '08:00:00', seq: 1 }),
        end({ t: '08:00:40' }),
        start({ t: '08:00:40', ...B }),
        hb({ t: '08:01:10', seq: 1, ...B }),
      ],
      segments: [seg('08:00:40', '08:01:10', 30_000)],
    },
    {
      name: 'concurrent live span uses other platform gapCapFactor',
      session: ['T', 'p2'],
      policy: policies({}, { p1: { gapCapFactor: 3 } }),
      events: [
        hb({ t: '08:00:00', seq: 1 }),
        start({ t: '08:00:10', ...B }),
        hb({ t: '08:01:40', seq: 1, interval: 60, ...B }),
      ],
      segments: [
        seg('08:00:10', '08:01:30', 80_000, ['concurrent_session']),
        seg('08:01:30', '08:01:40', 10_000),
      ],
      flags: [{ kind: 'concurrent_session', occurrences: 1, withheldMs: 80_000 }],
    },
    {
      name: 'quiz edges of an ended session',
      events: [
        start({ t: '08:00:00' }),
        end({ t: '08:00:30' }),
        quiz({ t: '08:00:00', questions: 1, durationSec: 3, quizId: 'a' }),
        quiz({ t: '08:00:30', questions: 1, durationSec: 3, quizId: 'b' }),
        quiz({ t: '08:00:30.001', questions: 1, durationSec: 3, quizId: 'c' }),
        quiz({ t: '07:59:59.999', questions: 1, durationSec: 3, quizId: 'd' }),
      ],
      segments: [seg('08:00:00', '08:00:30', 30_000)],
      flags: [{ kind: 'quiz_outside_session', occurrences: 2, withheldMs: 0 }],
    },
    {
      name: 'quiz too fast exact threshold, per platform',
      policy: policies({}, { p1: { minQuizSecondsPerQuestion: 2 } }),
      events: [
        start({ t: '08:00:00' }),
        quiz({ t: '08:00:10', questions: 3, durationSec: 6, quizId: 'a' }),
        quiz({ t: '08:00:11', questions: 3, durationSec: 5.999, quizId: 'b' }),
      ],
      segments: [],
      flags: [{ kind: 'quiz_too_fast', occurrences: 1, withheldMs: 0 }],
    },
  ];
  it.each(cases)('$name', check);
});
