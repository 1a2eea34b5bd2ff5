import type { AcceptedEvent, Segment } from '@hourglass/events';
import { runSequence } from '@hourglass/rules';
import { createMemoryStateStore } from '@hourglass/state';
import { describe, expect, it } from 'vitest';
import { collect, embeddedLog, policyFor, runDetector, topics, waitFor } from './testing/harness';

const T0 = Date.UTC(2026, 2, 1, 8, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

const base = { platformId: 'cvto', learnerId: 'L1', sessionId: 'S1' } as const;
function heartbeat(id: string, seq: number, tMs: number, rMs: number): AcceptedEvent {
  return {
    ...base,
    id,
    type: 'heartbeat',
    time: iso(tMs),
    receivedAt: iso(rMs),
    courseId: 'c1',
    seq,
    intervalSec: 30,
    focus: true,
    interactions: 1,
  };
}

describe('the learner state is kept as long as the rules need it, whatever the wall clock (SPEC §4)', () => {
  // SPEC §4: "The result depends only on the event sequence, never on the detector's wall clock."
  // packages/rules/README.md: sessions are kept two horizons (14 d + 1 min of event time), so "every
  // event ingest accepts finds its session unless the event comes more than 7 days + 30 s after that
  // session's last event". Found in review: the learner key expired 8 days of wall clock after its last
  // write, and this upload began a new session. An event processed W + TTL after the key's last write W
  // has time ≥ W + TTL − 7 d, and the rules hold sessions touched up to W + 30 s until 14 d + 1 min after
  // that: the expiry is unobservable only above 21 d + 1.5 min (DEFAULT_LEARNER_TTL_SEC is 22 d).
  it('an offline upload received 8 days after the learner was last seen continues its session', async () => {
    const start: AcceptedEvent = {
      ...base,
      id: 's',
      type: 'session.start',
      time: iso(T0),
      receivedAt: iso(T0 + 1000),
      courseId: 'c1',
      deviceId: 'D1',
      region: '110105',
      occupation: '6-25-01-01',
      learnerGroup: 'graduate',
    };
    const live = [start, heartbeat('h1', 1, T0 + 30_000, T0 + 31_000)];
    // The tablet's rest of the session, 1 d 2 h after its last heartbeat, uploaded 6 d 23 h late:
    // ingest accepts it (time ≥ receipt − 7 d).
    const upload = [
      heartbeat('h2', 2, T0 + DAY + 2 * HOUR, T0 + 8 * DAY + HOUR),
      heartbeat('h3', 3, T0 + DAY + 2 * HOUR + 30_000, T0 + 8 * DAY + HOUR),
    ];
    // The rules: h2 closes the session's window from h1 (capped, withheld late_report) and every
    // segment keeps the session.start's attributes.
    const rows = (list: Segment[]) =>
      list.map((s) => [s.startMs - T0, s.endMs - T0, s.status, s.region, s.kinds]);
    // The rules: h2 closes the session's window from h1 (capped at 60 s, withheld late_report), and
    // every segment keeps the session.start's attributes.
    const expected = [
      [0, 30_000, 'verified', '110105', []],
      [30_000, 90_000, 'withheld', '110105', ['late_report']],
      [DAY + 2 * HOUR, DAY + 2 * HOUR + 30_000, 'withheld', '110105', ['late_report']],
    ];
    expect(rows(runSequence([...live, ...upload], policyFor).out.flatMap((o) => o.segments))).toEqual(
      expected,
    );

    let wallMs = T0 + 31_000;
    const log = embeddedLog(1);
    const detector = await runDetector(log, createMemoryStateStore({ now: () => wallMs }));
    const producer = log.producer();
    const send = (list: AcceptedEvent[]) =>
      producer.send(list.map((e) => ({ topic: topics.events, key: e.learnerId, value: JSON.stringify(e) })));
    const committed = async () => (await log.admin().committedOffsets('detector', topics.events))[0]?.offset;
    await send(live);
    await waitFor(async () => (await committed()) === '2');
    wallMs = T0 + 8 * DAY + HOUR; // live processing: the upload is processed when it is received
    await send(upload);
    await waitFor(async () => (await committed()) === '4');
    await detector.stop();
    const ends = await log.admin().endOffsets(topics.segments);
    const got = (await collect(log, topics.segments, 'check', Number(ends[0]!.offset))).map(
      (v) => JSON.parse(v) as Segment,
    );
    // On main the key expired: h2 begins a new session (no window, attributes unknown), so 60 s of the
    // session are lost and the upload is filed under region "unknown"; processed without the wall clock
    // moving (a replay of the same events) the result is the one above.
    expect(rows(got)).toEqual(expected);
  });
});
