import type { AcceptedEvent } from '@hourglass/events';
import fc from 'fast-check';
import { policies } from './fixtures';

/**
 * Realistic event sequences for property tests: a few learners, each with a few sessions on three
 * platforms, jittered heartbeats with random activity, media and presence checks, quizzes, late and
 * early session.starts, ends, late receipts, gaps past the cap, replays under new ids (stale), resends of
 * the same id (duplicates), certificates (some issued twice under one certificateId) and local reordering. Times are written with Z or +08:00 offsets.
 */

export const PROPERTY_POLICY = policies(
  {},
  { pb: { gapCapFactor: 3, idleTimeoutSec: 60 }, pc: { maxDelaySec: 30, deviceShareLimit: 1 } },
);

const BASE_MS = Date.UTC(2026, 2, 1, 0, 0, 0);

const beatArb = fc.record({
  jitterMs: fc.integer({ min: -3000, max: 3000 }),
  gap: fc.constantFrom(1, 1, 1, 1, 1, 1, 1, 2, 4),
  seqStep: fc.constantFrom(1, 1, 1, 1, 2),
  focus: fc.boolean(),
  interactions: fc.constantFrom(0, 0, 1, 3),
  presence: fc.constantFrom(undefined, undefined, undefined, 'passed' as const, 'failed' as const),
  media: fc.option(
    fc.record({
      advanceFactor: fc.constantFrom(0, 0.4, 0.6, 1, 2.5, 5),
      playing: fc.boolean(),
      rate: fc.constantFrom(1, 1.5, 3),
    }),
  ),
  delay: fc.constantFrom(0, 0, 0, 500, 2000, 45_000, 200_000),
  replay: fc.constantFrom(false, false, false, false, false, false, true),
});

const sessionArb = fc.record({
  platform: fc.constantFrom('pa', 'pb', 'pc'),
  startOffsetSec: fc.integer({ min: 0, max: 1800 }),
  withStart: fc.constantFrom(true, true, true, false),
  startFirst: fc.constantFrom(true, true, true, false),
  /** A start sent after heartbeats (startFirst false) may also carry a time after theirs. */
  startLagSec: fc.constantFrom(0, 0, 0, 45),
  device: fc.constantFrom('D1', 'D2', 'D3', 'D4'),
  intervalSec: fc.constantFrom(10, 30, 60),
  beats: fc.array(beatArb, { maxLength: 18 }),
  end: fc.option(
    fc.record({ afterSec: fc.integer({ min: -20, max: 200 }), delay: fc.constantFrom(0, 1000, 300_000) }),
  ),
  quizzes: fc.array(
    fc.record({
      atSec: fc.integer({ min: -60, max: 900 }),
      questions: fc.integer({ min: 1, max: 20 }),
      durationSec: fc.integer({ min: 0, max: 200 }),
    }),
    { maxLength: 2 },
  ),
  /** A certificate of the session's course, issued afterSec after its start; `again`: a second copy
   * under another event id with other hours (the first copy wins). */
  certificate: fc.oneof(
    { weight: 3, arbitrary: fc.constant(null) },
    {
      weight: 1,
      arbitrary: fc.record({
        afterSec: fc.integer({ min: 0, max: 900 }),
        requiredHours: fc.constantFrom(0.001, 0.01, 0.1, 1),
        again: fc.boolean(),
      }),
    },
  ),
});

const learnerArb = fc.array(sessionArb, { minLength: 1, maxLength: 3 });

type Of<A> = A extends fc.Arbitrary<infer T> ? T : never;

export interface Scenario {
  learners: Of<typeof learnerArb>[];
  swaps: number[];
  resends: { from: number; to: number }[];
  offsets: boolean[];
}

export const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  learners: fc.array(learnerArb, { minLength: 1, maxLength: 4 }),
  swaps: fc.array(fc.nat(), { maxLength: 20 }),
  resends: fc.array(fc.record({ from: fc.nat(), to: fc.nat() }), { maxLength: 12 }),
  offsets: fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
});

function stamp(ms: number, plus8: boolean): string {
  if (!plus8) return new Date(ms).toISOString();
  return `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, 23)}+08:00`;
}

/** Builds the events, ordered by receipt, then locally reordered, with resends inserted. */
export function eventsOf(sc: Scenario): AcceptedEvent[] {
  const timed: { r: number; e: AcceptedEvent }[] = [];
  let n = 0;
  const fmt = (ms: number) => stamp(ms, sc.offsets[n++ % sc.offsets.length] ?? false);
  sc.learners.forEach((sessions, li) => {
    const learnerId = `L${li}`;
    sessions.forEach((s, si) => {
      const sessionId = `${learnerId}-S${si}`;
      const env = (id: string, t: number, delay: number) => ({
        id,
        time: fmt(t),
        receivedAt: fmt(t + delay),
        platformId: s.platform,
        learnerId,
        sessionId,
      });
      const t0 = BASE_MS + s.startOffsetSec * 1000;
      if (s.withStart) {
        const at = s.startFirst ? t0 : t0 + 1000 * s.startLagSec;
        const r = s.startFirst ? t0 : Math.max(at + 500, t0 + 1000 * s.intervalSec * 1.5);
        timed.push({
          r,
          e: {
            ...env(`${sessionId}-start`, at, r - at),
            type: 'session.start',
            courseId: 'C1',
            deviceId: s.device,
          },
        });
      }
      let t = t0 + 1500;
      let seq = 0;
      let pos = 0;
      s.beats.forEach((b, bi) => {
        const elapsed = s.intervalSec * 1000 * b.gap + b.jitterMs;
        t += Math.max(1, elapsed);
        seq += b.seqStep;
        pos += b.media ? (b.media.advanceFactor * elapsed) / 1000 : 0;
        const e: AcceptedEvent = {
          ...env(`${sessionId}-hb-${bi}`, t, b.delay),
          type: 'heartbeat',
          courseId: 'C1',
          seq,
          intervalSec: s.intervalSec,
          focus: b.focus,
          interactions: b.interactions,
          ...(b.presence ? { presence: b.presence } : {}),
          ...(b.media ? { media: { positionSec: pos, playing: b.media.playing, rate: b.media.rate } } : {}),
        };
        timed.push({ r: t + b.delay, e });
        if (b.replay) timed.push({ r: t + b.delay + 60_000, e: { ...e, id: `${e.id}-replayed` } });
      });
      if (s.end) {
        const te = t + s.end.afterSec * 1000;
        timed.push({
          r: te + s.end.delay,
          e: { ...env(`${sessionId}-end`, te, s.end.delay), type: 'session.end' },
        });
      }
      if (s.certificate) {
        const tc = t0 + s.certificate.afterSec * 1000;
        const { sessionId: _none, ...noSession } = env(`${sessionId}-cert`, tc, 0);
        const certificate = (id: string, requiredHours: number): AcceptedEvent => ({
          ...noSession,
          id,
          type: 'certificate.issued',
          courseId: 'C1',
          certificateId: `${sessionId}-CERT`,
          requiredHours,
        });
        timed.push({ r: tc, e: certificate(`${sessionId}-cert`, s.certificate.requiredHours) });
        if (s.certificate.again) {
          timed.push({
            r: tc + 1000,
            e: certificate(`${sessionId}-cert-again`, s.certificate.requiredHours * 2),
          });
        }
      }
      s.quizzes.forEach((q, qi) => {
        const tq = t0 + q.atSec * 1000;
        timed.push({
          r: tq,
          e: {
            ...env(`${sessionId}-quiz-${qi}`, tq, 0),
            type: 'quiz.submitted',
            courseId: 'C1',
            quizId: `Q${qi}`,
            questions: q.questions,
            correct: 0,
            durationSec: q.durationSec,
          },
        });
      });
    });
  });
  const events = timed.sort((a, b) => a.r - b.r).map((x) => x.e);
  for (const i of sc.swaps) {
    if (events.length < 2) break;
    const k = i % (events.length - 1);
    [events[k], events[k + 1]] = [events[k + 1]!, events[k]!];
  }
  for (const { from, to } of sc.resends) {
    if (events.length === 0) break;
    const f = from % events.length;
    const at = f + 1 + (to % (events.length - f));
    events.splice(at, 0, events[f]!);
  }
  return events;
}

export const eventsArb: fc.Arbitrary<AcceptedEvent[]> = scenarioArb.map(eventsOf);
