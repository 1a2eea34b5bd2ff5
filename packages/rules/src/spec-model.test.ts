import type { AcceptedEvent } from '@hourglass/events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deserializeState, serializeState } from './codec';
import { applyEvent } from './engine';
import type { PolicyFor } from './policy';
import { createMemoryDeviceView } from './run';
import { emptyLearnerState } from './state';
import { run } from './testing/fixtures';
import { eventsArb, PROPERTY_POLICY } from './testing/generators';

/**
 * A second, independent and deliberately naive implementation of SPEC §4, written from the SPEC text (and
 * the decisions of this package's README where the SPEC leaves a choice), compared with the engine on
 * generated sequences: segments (bounds, kinds, device), flags (occurrences, withheld ms, firstAt, lastAt),
 * outcomes and session start/end. Out of its scope: pruning, the session cap and the 256-id dedupe ring
 * (all sequences span minutes and hold fewer ids).
 */
interface MSession {
  begun: boolean;
  hadStart: boolean;
  start: number;
  p: number;
  lastSeq: number;
  iv: number | null;
  A: number; // -Infinity after failed presence
  media: number | null;
  ended: number | null;
  shared: boolean;
  platform: string;
  sid: string;
  segs: string[];
  flags: Map<string, [number, number]>;
  times: Map<string, [number, number]>;
  dev: string;
}

const us = (s: number) => Math.round(s * 1e6);

function model(events: readonly AcceptedEvent[], policyFor: PolicyFor) {
  const seen = new Set<string>();
  const learners = new Map<string, Map<string, MSession>>();
  const devices: { d: string; l: string; t: number }[] = [];
  const outcomes: string[] = [];
  const capOf = (s: MSession) => {
    const pol = policyFor(s.platform);
    return Math.round(pol.gapCapFactor * (s.iv ?? 60) * 1000);
  };
  const liveUntil = (s: MSession) => s.ended ?? s.p + capOf(s);
  let now = 0;
  const flag = (s: MSession, kind: string, ms: number) => {
    const f = s.flags.get(kind) ?? [0, 0];
    s.flags.set(kind, [f[0] + 1, f[1] + ms]);
    const tt = s.times.get(kind);
    s.times.set(kind, tt ? [Math.min(tt[0], now), Math.max(tt[1], now)] : [now, now]);
  };
  const before = (a: MSession, b: MSession) =>
    a.start !== b.start
      ? a.start < b.start
      : a.platform !== b.platform
        ? a.platform < b.platform
        : a.sid < b.sid;
  const close = (
    all: Map<string, MSession>,
    s: MSession,
    from: number,
    to: number,
    activity: 'failed' | 'active' | 'inactive',
    late: boolean,
  ) => {
    if (to <= from) return;
    const pol = policyFor(s.platform);
    type M = { a: number; b: number; k: string };
    const marks: M[] = [];
    if (activity === 'failed') marks.push({ a: from, b: to, k: 'presence_failed' });
    else if (activity === 'inactive') {
      const cut = s.A + Math.round(pol.idleTimeoutSec * 1000);
      if (cut < to) marks.push({ a: Math.max(from, cut), b: to, k: 'idle' });
    }
    if (late) marks.push({ a: from, b: to, k: 'late_report' });
    if (s.shared) marks.push({ a: from, b: to, k: 'shared_device' });
    for (const o of all.values()) {
      if (o === s || !o.begun || !before(o, s)) continue;
      const a = Math.max(from, o.start);
      const b = Math.min(to, liveUntil(o));
      if (b > a) marks.push({ a, b, k: 'concurrent_session' });
    }
    // split per ms boundary
    const pts = [...new Set([from, to, ...marks.flatMap((m) => [m.a, m.b])])]
      .filter((x) => x >= from && x <= to)
      .sort((x, y) => x - y);
    const pieces: { a: number; b: number; ks: string }[] = [];
    for (let i = 0; i + 1 < pts.length; i++) {
      const a = pts[i]!;
      const b = pts[i + 1]!;
      const ks = [...new Set(marks.filter((m) => m.a <= a && m.b >= b).map((m) => m.k))].sort().join(',');
      const last = pieces.at(-1);
      if (last && last.ks === ks && last.b === a) last.b = b;
      else pieces.push({ a, b, ks });
    }
    const byKind = new Map<string, number>();
    for (const p of pieces) {
      s.segs.push(`${p.a}-${p.b}:${p.ks}:${s.dev}`);
      for (const k of p.ks ? p.ks.split(',') : []) byKind.set(k, (byKind.get(k) ?? 0) + p.b - p.a);
    }
    for (const [k, ms] of [...byKind].sort()) flag(s, k, ms);
  };
  for (const e of events) {
    const key = `${e.platformId}\u0000${e.id}`;
    if (seen.has(key)) {
      outcomes.push('duplicate');
      continue;
    }
    seen.add(key);
    const t = Date.parse(e.time);
    now = t;
    const r = Date.parse(e.receivedAt);
    let all = learners.get(e.learnerId);
    if (!all) {
      all = new Map();
      learners.set(e.learnerId, all);
    }
    if (e.type === 'certificate.issued') {
      outcomes.push('applied');
      continue;
    }
    const skey = `${e.platformId}\u0000${e.sessionId}`;
    const pol = policyFor(e.platformId);
    let s = all.get(skey);
    const fresh = (): MSession => ({
      begun: false,
      hadStart: false,
      start: t,
      p: t,
      lastSeq: -1,
      iv: null,
      A: t,
      media: null,
      ended: null,
      shared: false,
      platform: e.platformId,
      sid: e.sessionId,
      segs: [],
      flags: s?.flags ?? new Map(),
      times: s?.times ?? new Map(),
      dev: 'unknown',
    });
    const shared = (deviceId: string) => {
      const ls = new Set([e.learnerId]);
      for (const d of devices) if (d.d === deviceId && Math.abs(d.t - t) <= 86_400_000) ls.add(d.l);
      devices.push({ d: deviceId, l: e.learnerId, t });
      return ls.size > pol.deviceShareLimit;
    };
    if (e.type === 'heartbeat') {
      const active =
        e.presence === 'passed' ||
        (e.focus &&
          (e.interactions >= 1 ||
            (e.media?.playing === true &&
              s?.begun === true &&
              s.media !== null &&
              2 * (us(e.media.positionSec) - us(s.media)) >= (t - s.p) * 1000)));
      const activity = e.presence === 'failed' ? 'failed' : active ? 'active' : 'inactive';
      if (!s?.begun) {
        const n = fresh();
        n.begun = true;
        s = n;
        all.set(skey, s);
      } else if (s.ended !== null || e.seq <= s.lastSeq || t <= s.p) {
        flag(s, 'replayed_event', 0);
        outcomes.push('stale');
        continue;
      } else {
        close(
          all,
          s,
          s.p,
          Math.min(t, s.p + Math.round(pol.gapCapFactor * e.intervalSec * 1000)),
          activity,
          r - t > Math.round(pol.maxDelaySec * 1000),
        );
        if (e.media && s.media !== null) {
          const adv = us(e.media.positionSec) - us(s.media);
          if (adv > Math.round((t - s.p) * 1000 * pol.maxPlaybackRate) + us(pol.seekToleranceSec))
            flag(s, 'seek_ahead', 0);
        }
      }
      if (e.media?.rate !== undefined && e.media.rate > pol.maxPlaybackRate) flag(s, 'playback_rate', 0);
      s.p = t;
      s.lastSeq = e.seq;
      s.iv = e.intervalSec;
      s.media = e.media?.positionSec ?? null;
      if (activity === 'failed') s.A = Number.NEGATIVE_INFINITY;
      else if (activity === 'active') s.A = Math.max(s.A, t);
      outcomes.push('applied');
    } else if (e.type === 'session.start') {
      if (s?.begun && s.hadStart) {
        flag(s, 'replayed_event', 0);
        outcomes.push('stale');
        continue;
      }
      const late = s?.begun === true;
      if (!s?.begun) {
        const n = fresh();
        n.begun = true;
        s = n;
        all.set(skey, s);
      }
      if (late) now = Math.min(t, s.p);
      s.hadStart = true;
      s.dev = e.deviceId;
      if (shared(e.deviceId)) {
        s.shared = true;
        flag(s, 'shared_device', 0);
      }
      outcomes.push('applied');
    } else if (e.type === 'session.end') {
      if (!s?.begun) {
        outcomes.push('ignored');
        continue;
      }
      if (s.ended !== null) {
        flag(s, 'replayed_event', 0);
        outcomes.push('stale');
        continue;
      }
      if (t > s.p)
        close(
          all,
          s,
          s.p,
          Math.min(t, s.p + capOf(s)),
          'inactive',
          r - t > Math.round(pol.maxDelaySec * 1000),
        );
      s.ended = Math.max(t, s.p);
      outcomes.push('applied');
    } else if (e.type === 'quiz.submitted') {
      const hits: string[] = [];
      if (us(e.durationSec) < e.questions * us(pol.minQuizSecondsPerQuestion)) hits.push('quiz_too_fast');
      const live = (o: MSession) => o.begun && o.start <= t && t <= liveUntil(o);
      if (![...all.values()].some(live)) hits.push('quiz_outside_session');
      if (s && live(s)) s.A = Math.max(s.A, t);
      if (!s && hits.length > 0) {
        s = fresh();
        all.set(skey, s);
      }
      for (const h of hits) flag(s!, h, 0);
      outcomes.push('applied');
    }
  }
  const result = new Map<string, { segs: string[]; flags: [string, number, number][] }>();
  for (const [l, all] of learners)
    for (const s of all.values())
      result.set(`${l}/${s.platform}/${s.sid}`, {
        segs: s.segs,
        flags: [...s.flags]
          .map(([k, [o, w]]) => [k, o, w, ...(s.times.get(k) ?? [])] as [string, number, number])
          .sort(),
        ...(s.begun ? { rec: [s.start, s.ended] } : {}),
      });
  return { outcomes, result };
}

function engine(events: readonly AcceptedEvent[], policyFor: PolicyFor) {
  const r = run(events, policyFor);
  const result = new Map<string, { segs: string[]; flags: [string, number, number][]; rec?: unknown }>();
  const get = (k: string) => {
    let v = result.get(k);
    if (!v) {
      v = { segs: [], flags: [] };
      result.set(k, v);
    }
    return v;
  };
  for (const s of r.segments)
    get(`${s.learnerId}/${s.platformId}/${s.sessionId}`).segs.push(
      `${s.startMs}-${s.endMs}:${s.kinds.join(',')}:${s.deviceId}`,
    );
  for (const f of r.flags)
    get(`${f.learnerId}/${f.platformId}/${f.sessionId}`).flags.push([
      f.kind,
      f.occurrences,
      f.withheldMs,
      f.firstAtMs,
      f.lastAtMs,
    ] as never);
  for (const rec of r.sessions)
    get(`${rec.learnerId}/${rec.platformId}/${rec.sessionId}`).rec = [rec.startMs, rec.endMs];
  for (const v of result.values()) v.flags.sort();
  return { outcomes: r.outcomes, result };
}

describe('The engine agrees with an independent model of SPEC §4', () => {
  it('on the realistic generated sequences', () => {
    fc.assert(
      fc.property(eventsArb, (events) => {
        const m = model(events, PROPERTY_POLICY);
        const e = engine(events, PROPERTY_POLICY);
        expect(e.outcomes).toEqual(m.outcomes);
        for (const [k, v] of m.result) {
          if (v.segs.length === 0 && v.flags.length === 0) continue;
          expect({ k, ...e.result.get(k) }).toEqual({ k, ...v });
        }
        for (const [k, v] of e.result) expect({ k, ...v }).toEqual({ k, ...m.result.get(k) });
      }),
      { numRuns: 100 },
    );
  });
});

const T0 = Date.UTC(2026, 2, 1, 8, 0, 0);
const evArb = fc.record({
  learner: fc.constantFrom('L1', 'L1', 'L2'),
  platform: fc.constantFrom('pa', 'pb'),
  session: fc.constantFrom('S1', 'S2'),
  type: fc.constantFrom(
    'heartbeat',
    'heartbeat',
    'heartbeat',
    'heartbeat',
    'session.start',
    'session.end',
    'quiz.submitted',
  ),
  tStep: fc.integer({ min: 0, max: 240 }),
  tFine: fc.constantFrom(0, 0, 0, 1, -1),
  delay: fc.constantFrom(0, 0, 0, 120_000, 120_001, 30_000),
  seq: fc.integer({ min: 0, max: 12 }),
  interval: fc.constantFrom(5, 7, 30, 300),
  focus: fc.boolean(),
  interactions: fc.constantFrom(0, 0, 1),
  presence: fc.constantFrom(undefined, undefined, 'passed' as const, 'failed' as const),
  media: fc.option(
    fc.record({
      pos: fc.integer({ min: 0, max: 400 }).map((x) => x * 2.5),
      playing: fc.boolean(),
      rate: fc.constantFrom(1, 2, 2.5),
    }),
  ),
  device: fc.constantFrom('D1', 'D2'),
  questions: fc.integer({ min: 1, max: 5 }),
  duration: fc.integer({ min: 0, max: 20 }),
  dupOf: fc.option(fc.nat()),
});
const iso = (ms: number) => new Date(ms).toISOString();
const mkArb = (mono: boolean) =>
  fc.array(evArb, { minLength: 1, maxLength: 40 }).map((list) => {
    const out: AcceptedEvent[] = [];
    let cum = 0;
    list.forEach((x, i) => {
      cum += (x.tStep % 25) * (x.seq % 2 ? 1000 : 7333);
      if (mono) {
        x = { ...x, tStep: 0, seq: Math.max(0, i - (x.seq === 0 ? 2 : 0)) };
      }
      if (x.dupOf !== null && out.length > 0) {
        out.push(out[x.dupOf % out.length]!);
        return;
      }
      const t = T0 + (mono ? cum : x.tStep * 5000) + x.tFine;
      const env = {
        id: `e${i}`,
        time: iso(t),
        receivedAt: iso(t + x.delay),
        platformId: x.platform,
        learnerId: x.learner,
        sessionId: `${x.learner}-${x.session}`,
      };
      if (x.type === 'heartbeat')
        out.push({
          ...env,
          type: 'heartbeat',
          courseId: 'C1',
          seq: x.seq,
          intervalSec: x.interval,
          focus: x.focus,
          interactions: x.interactions,
          ...(x.presence ? { presence: x.presence } : {}),
          ...(x.media
            ? { media: { positionSec: x.media.pos, playing: x.media.playing, rate: x.media.rate } }
            : {}),
        });
      else if (x.type === 'session.start')
        out.push({ ...env, type: 'session.start', courseId: 'C1', deviceId: x.device });
      else if (x.type === 'session.end') out.push({ ...env, type: 'session.end' });
      else
        out.push({
          ...env,
          type: 'quiz.submitted',
          courseId: 'C1',
          quizId: 'Q',
          questions: x.questions,
          correct: 0,
          durationSec: x.duration,
        });
    });
    return out;
  });
const advArb = fc.oneof(mkArb(false), mkArb(true));
const ADV_POLICY: PolicyFor = (p) =>
  p === 'pb'
    ? {
        ...PROPERTY_POLICY('pa'),
        idleTimeoutSec: 20,
        gapCapFactor: 1.5,
        maxDelaySec: 30,
        maxPlaybackRate: 2.5,
        seekToleranceSec: 0,
        minQuizSecondsPerQuestion: 2,
        deviceShareLimit: 1,
      }
    : { ...PROPERTY_POLICY('pa'), gapCapFactor: 1.1, idleTimeoutSec: 45.5, maxDelaySec: 0.5 };

describe('The engine agrees with an independent model of SPEC §4 on adversarial sequences', () => {
  it('at every threshold ±1 ms, out-of-order seq and time, ends before, between and after heartbeats, per-platform policies', () => {
    fc.assert(
      fc.property(advArb, (events) => {
        const m = model(events, ADV_POLICY);
        const e = engine(events, ADV_POLICY);
        expect(e.outcomes).toEqual(m.outcomes);
        for (const [k, v] of m.result) {
          if (v.segs.length === 0 && v.flags.length === 0) continue;
          expect({ k, ...e.result.get(k) }).toEqual({ k, ...v });
        }
        for (const [k, v] of e.result) expect({ k, ...v }).toEqual({ k, ...m.result.get(k) });
      }),
      { numRuns: 1000 },
    );
  });
});

describe('Serialized state on adversarial sequences', () => {
  it('round-tripping every state after every event changes no output', () => {
    fc.assert(
      fc.property(advArb, (events) => {
        const go = (rt: boolean) => {
          const states = new Map<string, string | ReturnType<typeof emptyLearnerState>>();
          const devices = createMemoryDeviceView();
          const outs: unknown[] = [];
          for (const e of events) {
            const st = states.get(e.learnerId);
            const before =
              st === undefined
                ? emptyLearnerState(e.learnerId)
                : typeof st === 'string'
                  ? deserializeState(st)
                  : st;
            const step = applyEvent(before, e, { policyFor: ADV_POLICY, devices });
            states.set(e.learnerId, rt ? serializeState(step.state) : step.state);
            for (const d of step.out.deviceStarts)
              devices.record(d.deviceId, { learnerId: d.learnerId, timeMs: d.timeMs });
            outs.push(step.out);
          }
          return outs;
        };
        expect(go(true)).toEqual(go(false));
      }),
      { numRuns: 300 },
    );
  });
});
