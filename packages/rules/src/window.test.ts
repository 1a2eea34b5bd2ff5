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
}

function check(c: Case): void {
  const r = run(c.events, c.policy);
  expect(segsOf(r)).toEqual(c.segments);
  expect(flagsOf(r)).toEqual(c.flags ?? []);
}

describe('Intervals: each non-stale heartbeat closes W = (p, min(t, p + cap)]', () => {
  const cases: Case[] = [
    {
      name: 'the first heartbeat of a session begins it and closes no interval',
      events: [hb({ t: '2026-03-01T08:00:30Z', seq: 1 })],
      segments: [],
    },
    {
      name: 'a heartbeat after session.start closes (start, t]',
      events: [start({ t: '08:00:00' }), hb({ t: '08:00:30', seq: 1 }), hb({ t: '08:01:00', seq: 2 })],
      segments: [seg('08:00:00', '08:00:30', 30_000), seg('08:00:30', '08:01:00', 30_000)],
    },
    {
      name: 'a heartbeat exactly at the cap (2 × 30 s) credits the whole window',
      events: [hb({ t: '08:00:00', seq: 1 }), hb({ t: '08:01:00', seq: 2 })],
      segments: [seg('08:00:00', '08:01:00', 60_000)],
    },
    {
      name: 'a heartbeat 1 ms past the cap credits up to p + cap; the 1 ms is a gap and the next window starts at t',
      events: [
        hb({ t: '08:00:00', seq: 1 }),
        hb({ t: '08:01:00.001', seq: 2 }),
        hb({ t: '08:01:30.001', seq: 3 }),
      ],
      segments: [seg('08:00:00', '08:01:00', 60_000), seg('08:01:00.001', '08:01:30.001', 30_000)],
    },
    {
      name: 'time past the cap is a gap: neither verified nor withheld',
      events: [hb({ t: '08:00:00', seq: 1 }), hb({ t: '08:10:00', seq: 2 })],
      segments: [seg('08:00:00', '08:01:00', 60_000)],
    },
    {
      name: 'the cap uses the intervalSec of the closing heartbeat',
      events: [hb({ t: '08:00:00', seq: 1, interval: 30 }), hb({ t: '08:04:00', seq: 2, interval: 120 })],
      segments: [seg('08:00:00', '08:04:00', 240_000)],
    },
    {
      name: 'session.end is capped by the last heartbeat’s intervalSec',
      events: [hb({ t: '08:00:00', seq: 1, interval: 30 }), end({ t: '08:05:00' })],
      segments: [seg('08:00:00', '08:01:00', 60_000)],
    },
    {
      name: 'session.end without any heartbeat is capped at gapCapFactor × 60 s',
      events: [start({ t: '08:00:00' }), end({ t: '08:05:00' })],
      segments: [seg('08:00:00', '08:02:00', 120_000)],
    },
    {
      name: 'gapCapFactor comes from the policy (factor 3: 90 s for 30 s heartbeats)',
      policy: policies({ gapCapFactor: 3 }),
      events: [hb({ t: '08:00:00', seq: 1 }), hb({ t: '08:05:00', seq: 2 })],
      segments: [seg('08:00:00', '08:01:30', 90_000)],
    },
  ];
  it.each(cases)('$name', check);
});

describe('Activity: engaged up to A + idleTimeoutSec, idle after', () => {
  const cases: Case[] = [
    {
      name: 'without activity, the idle cut-off A + 300 s falls inside the window: engaged before, idle after',
      events: [
        start({ t: '08:00:00' }),
        idleHb({ t: '08:04:00', seq: 1, interval: 300 }),
        idleHb({ t: '08:08:00', seq: 2, interval: 300 }),
      ],
      segments: [
        seg('08:00:00', '08:04:00', 240_000),
        seg('08:04:00', '08:05:00', 60_000),
        seg('08:05:00', '08:08:00', 180_000, ['idle']),
      ],
      flags: [{ kind: 'idle', occurrences: 1, withheldMs: 180_000 }],
    },
    {
      name: 'an active heartbeat makes its whole window engaged, even after a quiet stretch',
      events: [
        start({ t: '08:00:00' }),
        idleHb({ t: '08:04:00', seq: 1, interval: 300 }),
        idleHb({ t: '08:08:00', seq: 2, interval: 300 }),
        hb({ t: '08:12:00', seq: 3, interval: 300 }),
      ],
      segments: [
        seg('08:00:00', '08:04:00', 240_000),
        seg('08:04:00', '08:05:00', 60_000),
        seg('08:05:00', '08:08:00', 180_000, ['idle']),
        seg('08:08:00', '08:12:00', 240_000),
      ],
      flags: [{ kind: 'idle', occurrences: 1, withheldMs: 180_000 }],
    },
    {
      name: 'focus with playing media that advanced ≥ half the elapsed time is active; less, or paused, is not',
      policy: policies({ idleTimeoutSec: 10 }),
      events: [
        idleHb({ t: '08:00:00', seq: 1, focus: true, media: { positionSec: 0, playing: true } }),
        idleHb({ t: '08:00:30', seq: 2, focus: true, media: { positionSec: 15, playing: true } }),
        idleHb({ t: '08:01:00', seq: 3, focus: true, media: { positionSec: 29, playing: true } }),
        idleHb({ t: '08:01:30', seq: 4, focus: true, media: { positionSec: 60, playing: false } }),
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
      // In binary doubles 16.4 − 1.4 = 14.999999999999998: the decimals must decide, not the rounding.
      name: 'half-speed media from 1.4 s to 16.4 s advanced exactly half of 30 s: active',
      policy: policies({ idleTimeoutSec: 10 }),
      events: [
        idleHb({ t: '08:00:00', seq: 1, focus: true, media: { positionSec: 1.4, rate: 0.5, playing: true } }),
        idleHb({
          t: '08:00:30',
          seq: 2,
          focus: true,
          media: { positionSec: 16.4, rate: 0.5, playing: true },
        }),
        idleHb({
          t: '08:01:00',
          seq: 3,
          focus: true,
          media: { positionSec: 31.399999, rate: 0.5, playing: true },
        }),
      ],
      segments: [
        seg('08:00:00', '08:00:30', 30_000),
        seg('08:00:30', '08:00:40', 10_000),
        seg('08:00:40', '08:01:00', 20_000, ['idle']),
      ],
      flags: [{ kind: 'idle', occurrences: 1, withheldMs: 20_000 }],
    },
    {
      name: 'media without focus is not activity',
      policy: policies({ idleTimeoutSec: 10 }),
      events: [
        idleHb({ t: '08:00:00', seq: 1, media: { positionSec: 0, playing: true } }),
        idleHb({ t: '08:00:30', seq: 2, media: { positionSec: 30, playing: true } }),
      ],
      segments: [seg('08:00:00', '08:00:10', 10_000), seg('08:00:10', '08:00:30', 20_000, ['idle'])],
      flags: [{ kind: 'idle', occurrences: 1, withheldMs: 20_000 }],
    },
    {
      name: 'presence passed is activity even without focus or interactions',
      policy: policies({ idleTimeoutSec: 10 }),
      events: [idleHb({ t: '08:00:00', seq: 1 }), idleHb({ t: '08:00:30', seq: 2, presence: 'passed' })],
      segments: [seg('08:00:00', '08:00:30', 30_000)],
    },
    {
      name: 'presence failed withholds its whole window whatever else it reports; then quiet windows are idle until activity',
      events: [
        start({ t: '08:00:00' }),
        hb({ t: '08:00:30', seq: 1 }),
        hb({ t: '08:01:00', seq: 2, interactions: 40, presence: 'failed' }),
        idleHb({ t: '08:01:30', seq: 3 }),
        hb({ t: '08:02:00', seq: 4 }),
        idleHb({ t: '08:02:30', seq: 5 }),
      ],
      segments: [
        seg('08:00:00', '08:00:30', 30_000),
        seg('08:00:30', '08:01:00', 30_000, ['presence_failed']),
        seg('08:01:00', '08:01:30', 30_000, ['idle']),
        seg('08:01:30', '08:02:00', 30_000),
        seg('08:02:00', '08:02:30', 30_000),
      ],
      flags: [
        { kind: 'idle', occurrences: 1, withheldMs: 30_000 },
        { kind: 'presence_failed', occurrences: 1, withheldMs: 30_000 },
      ],
    },
    {
      name: 'a presence check failed on the heartbeat that begins the session already sets A = −∞',
      events: [hb({ t: '08:00:00', seq: 1, presence: 'failed' }), idleHb({ t: '08:00:30', seq: 2 })],
      segments: [seg('08:00:00', '08:00:30', 30_000, ['idle'])],
      flags: [{ kind: 'idle', occurrences: 1, withheldMs: 30_000 }],
    },
    {
      name: 'session.end applies the idle rule: engaged up to A + idleTimeoutSec',
      policy: policies({ idleTimeoutSec: 20 }),
      events: [hb({ t: '08:00:00', seq: 1 }), end({ t: '08:00:50' })],
      segments: [seg('08:00:00', '08:00:20', 20_000), seg('08:00:20', '08:00:50', 30_000, ['idle'])],
      flags: [{ kind: 'idle', occurrences: 1, withheldMs: 30_000 }],
    },
    {
      name: 'a quiz while its session is live is activity: A := max(A, quiz time)',
      policy: policies({ idleTimeoutSec: 60 }),
      events: [
        start({ t: '08:00:00' }),
        idleHb({ t: '08:01:40', seq: 1, interval: 120 }),
        quiz({ t: '08:01:50', questions: 5, durationSec: 100 }),
        idleHb({ t: '08:03:00', seq: 2, interval: 120 }),
      ],
      segments: [
        seg('08:00:00', '08:01:00', 60_000),
        seg('08:01:00', '08:01:40', 40_000, ['idle']),
        seg('08:01:40', '08:02:50', 70_000),
        seg('08:02:50', '08:03:00', 10_000, ['idle']),
      ],
      flags: [{ kind: 'idle', occurrences: 2, withheldMs: 50_000 }],
    },
  ];
  it.each(cases)('$name', check);
});
