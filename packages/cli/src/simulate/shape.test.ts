import { type AcceptedEvent, parseTimestamp } from '@hourglass/events';
import { describe, expect, it } from 'vitest';
import { generateTraffic } from './generate';
import type { Scenario } from './scenarios';

/**
 * Checks that each scenario has the shape its label claims, by reading the generated events against
 * SPEC §4's default thresholds, independently of any rules engine.
 */
const ms = (ts: string) => parseTimestamp(ts) as number;
const IDLE_MS = 300_000;

type Heartbeat = Extract<AcceptedEvent, { type: 'heartbeat' }>;
interface SessionView {
  platformId: string;
  sessionId: string;
  deviceId: string | null;
  startMs: number;
  endMs: number | null;
  beats: Heartbeat[];
}

function sessionsOf(events: readonly AcceptedEvent[]): SessionView[] {
  const map = new Map<string, SessionView>();
  for (const e of events) {
    if (e.type === 'certificate.issued' || e.type === 'quiz.submitted') continue;
    const key = `${e.platformId}/${e.sessionId}`;
    const s = map.get(key) ?? {
      platformId: e.platformId,
      sessionId: e.sessionId,
      deviceId: null,
      startMs: Number.POSITIVE_INFINITY,
      endMs: null,
      beats: [],
    };
    if (e.type === 'session.start') {
      s.startMs = ms(e.time);
      s.deviceId = e.deviceId;
    } else if (e.type === 'session.end') s.endMs = ms(e.time);
    else s.beats.push(e);
    map.set(key, s);
  }
  for (const s of map.values()) s.beats.sort((a, b) => ms(a.time) - ms(b.time) || a.seq - b.seq);
  return [...map.values()].sort((a, b) => a.startMs - b.startMs);
}

/** Walks a session's heartbeats with SPEC §4's notion of activity (quizzes ignored: stricter). */
function walk(s: SessionView) {
  let a = s.startMs;
  let p = s.startMs;
  let prevPos: number | null = null;
  let longestInactiveMs = 0;
  let maxAdvanceOverLimit = Number.NEGATIVE_INFINITY;
  let maxGapOverCap = Number.NEGATIVE_INFINITY;
  for (const h of s.beats) {
    const t = ms(h.time);
    const dt = (t - p) / 1000;
    const advance = h.media && prevPos !== null ? h.media.positionSec - prevPos : 0;
    const active =
      h.presence === 'passed' ||
      (h.focus && (h.interactions >= 1 || (h.media?.playing === true && advance >= 0.5 * dt)));
    if (h.presence !== 'failed' && active) a = t;
    else longestInactiveMs = Math.max(longestInactiveMs, t - a);
    maxAdvanceOverLimit = Math.max(maxAdvanceOverLimit, advance - (dt * 2 + 5));
    maxGapOverCap = Math.max(maxGapOverCap, t - p - 2 * h.intervalSec * 1000);
    prevPos = h.media?.positionSec ?? prevPos;
    p = t;
  }
  return { longestInactiveMs, maxAdvanceOverLimit, maxGapOverCap, lastActiveMs: a, lastMs: p };
}

const overlap = (a: SessionView, b: SessionView) =>
  a.startMs < (b.endMs ?? Number.POSITIVE_INFINITY) && b.startMs < (a.endMs ?? Number.POSITIVE_INFINITY);

function population(seed: number) {
  const t = generateTraffic({
    platforms: 3,
    learners: 160,
    minutes: 40,
    cheaters: 0.5,
    seed,
    startMs: Date.UTC(2026, 4, 6, 2),
  });
  const byLearner = new Map<string, AcceptedEvent[]>();
  for (const e of t.events) {
    const list = byLearner.get(e.learnerId);
    if (list) list.push(e);
    else byLearner.set(e.learnerId, [e]);
  }
  const of = (scenario: Scenario) => {
    const list = [...t.labels]
      .filter(([, l]) => l.scenario === scenario)
      .map(([id]) => byLearner.get(id) ?? []);
    // A check over no learners would pass vacuously.
    expect(list.length, scenario).toBeGreaterThan(0);
    return list;
  };
  return { t, byLearner, of };
}

describe.each([3, 11])('scenario shapes (seed %i)', (seed) => {
  const { t, of } = population(seed);

  it('honest learners stay within every default threshold', () => {
    const devices = new Map<string, Set<string>>();
    for (const e of t.events) {
      if (e.type === 'session.start')
        devices.set(e.deviceId, (devices.get(e.deviceId) ?? new Set()).add(e.learnerId));
    }
    const honest = of('honest');
    expect(honest.length).toBeGreaterThan(50);
    for (const events of honest) {
      const sessions = sessionsOf(events);
      expect(sessions.length).toBeGreaterThan(0);
      sessions.forEach((s, i) => {
        const w = walk(s);
        expect(s.endMs).not.toBeNull();
        expect(s.endMs as number).toBeGreaterThan(w.lastMs);
        expect((s.endMs as number) - w.lastActiveMs).toBeLessThan(IDLE_MS);
        expect(w.longestInactiveMs).toBeLessThan(IDLE_MS - 30_000);
        expect(w.maxAdvanceOverLimit).toBeLessThanOrEqual(0);
        expect(w.maxGapOverCap).toBeLessThan(0);
        for (const h of s.beats) {
          expect(h.media?.rate ?? 1).toBeLessThanOrEqual(2);
          expect(h.presence).not.toBe('failed');
        }
        const next = sessions[i + 1];
        if (next) expect(next.startMs).toBeGreaterThan(s.endMs as number);
        expect(devices.get(s.deviceId as string)?.size).toBe(1);
      });
      for (const e of events) {
        const delay = ms(e.receivedAt) - ms(e.time);
        expect(delay).toBeGreaterThan(0);
        expect(delay).toBeLessThan(10_000);
        if (e.type === 'quiz.submitted') {
          expect(e.durationSec).toBeGreaterThanOrEqual(3 * e.questions);
          const own = sessions.find((s) => s.sessionId === e.sessionId);
          expect(ms(e.time)).toBeGreaterThan(own?.startMs ?? Number.POSITIVE_INFINITY);
          expect(ms(e.time)).toBeLessThan(own?.endMs ?? 0);
        }
        if (e.type === 'certificate.issued') {
          const studied = sessions.reduce((sum, s) => sum + ((s.endMs as number) - s.startMs), 0);
          expect(e.requiredHours * 3_600_000).toBeLessThanOrEqual(studied);
        }
      }
    }
  });

  it('idlers and background-tab watchers go over five minutes without activity', () => {
    for (const events of [...of('idler'), ...of('background_tab')]) {
      const [s] = sessionsOf(events);
      expect(walk(s as SessionView).longestInactiveMs).toBeGreaterThan(IDLE_MS + 60_000);
    }
    for (const events of of('background_tab')) {
      const hidden = events.filter((e) => e.type === 'heartbeat' && !e.focus && e.media?.playing);
      expect(hidden.length).toBeGreaterThan(0);
    }
  });

  it('failed presence checks are reported', () => {
    for (const events of of('presence_failed')) {
      expect(events.some((e) => e.type === 'heartbeat' && e.presence === 'failed')).toBe(true);
    }
  });

  it('concurrent learners overlap two sessions on two devices, on one or on two platforms', () => {
    for (const [scenario, platforms] of [
      ['concurrent_devices', 1],
      ['concurrent_platforms', 2],
    ] as const) {
      for (const events of of(scenario)) {
        const [a, b] = sessionsOf(events) as [SessionView, SessionView];
        expect(overlap(a, b)).toBe(true);
        expect(a.deviceId).not.toBe(b.deviceId);
        expect(new Set([a.platformId, b.platformId]).size).toBe(platforms);
      }
    }
  });

  it('late uploads reach the platform more than 120 s after they happened', () => {
    for (const events of of('late_upload')) {
      for (const e of events) expect(ms(e.receivedAt) - ms(e.time)).toBeGreaterThan(120_000);
    }
  });

  it('replayed heartbeats repeat an old seq under a new id, after a later seq arrived', () => {
    for (const events of of('replayed_heartbeat')) {
      const beats = events.filter((e): e is Heartbeat => e.type === 'heartbeat');
      const copy = beats.find((h) =>
        beats.some((o) => o.seq === h.seq && o.id !== h.id && o.receivedAt < h.receivedAt),
      );
      expect(copy).toBeDefined();
      const before = beats.filter((h) => h.receivedAt < (copy as Heartbeat).receivedAt);
      expect(Math.max(...before.map((h) => h.seq))).toBeGreaterThan((copy as Heartbeat).seq);
    }
  });

  it('seekers jump ahead, fast players play above 2×', () => {
    for (const events of of('seeker')) {
      expect(walk(sessionsOf(events)[0] as SessionView).maxAdvanceOverLimit).toBeGreaterThan(0);
    }
    for (const events of of('fast_playback')) {
      expect(events.some((e) => e.type === 'heartbeat' && (e.media?.rate ?? 1) > 2)).toBe(true);
    }
  });

  it('quizzes: too fast inside a session, or at a time no session is live', () => {
    for (const events of of('quiz_too_fast')) {
      const quiz = events.find((e) => e.type === 'quiz.submitted');
      expect(quiz?.type === 'quiz.submitted' && quiz.durationSec < 3 * quiz.questions).toBe(true);
    }
    for (const events of of('quiz_outside_session')) {
      const quiz = events.find((e) => e.type === 'quiz.submitted') as AcceptedEvent;
      const live = sessionsOf(events).some(
        (s) => s.startMs <= ms(quiz.time) && ms(quiz.time) <= (s.endMs ?? 0),
      );
      expect(live).toBe(false);
    }
  });

  it('a device farm has at least five learners starting sessions on one device, each more than once', () => {
    const farm = of('device_farm');
    expect(farm.length).toBeGreaterThanOrEqual(5);
    const starts = farm.flat().filter((e) => e.type === 'session.start');
    const device = starts[0]?.type === 'session.start' ? starts[0].deviceId : '';
    const onDevice = starts.filter((e) => e.type === 'session.start' && e.deviceId === device);
    expect(new Set(onDevice.map((e) => e.learnerId)).size).toBeGreaterThanOrEqual(5);
    for (const events of farm) {
      expect(events.filter((e) => e.type === 'session.start').length).toBeGreaterThanOrEqual(2);
    }
  });
});
