import { type AcceptedEvent, createDayOf } from '@hourglass/events';
import { createPolicyFor, emptyLearnerState, serializeState } from '@hourglass/rules';
import { describe, expect, it } from 'vitest';
import { DetectorError } from './errors';
import { processBatch } from './process-batch';

const t = (hms: string, day = '2026-03-01') => `${day}T${hms}Z`;

/** Offsets first, first + 1, … for n events, and no stretch counted before. */
const at = (first: number, n: number) => ({
  offsets: Array.from({ length: n }, (_, i) => BigInt(first + i)),
  open: null,
});

function session(
  platformId: string,
  learnerId: string,
  beats: { time: string; receivedAt: string }[],
  startAt: string,
): AcceptedEvent[] {
  const base = { platformId, learnerId, sessionId: `${learnerId}-s` } as const;
  return [
    {
      ...base,
      id: `${learnerId}-start`,
      type: 'session.start',
      time: startAt,
      receivedAt: startAt,
      courseId: 'c1',
      deviceId: `${learnerId}-d`,
    },
    ...beats.map(
      (b, i): AcceptedEvent => ({
        ...base,
        id: `${learnerId}-hb${i}`,
        type: 'heartbeat',
        time: b.time,
        receivedAt: b.receivedAt,
        courseId: 'c1',
        seq: i + 1,
        intervalSec: 30,
        focus: true,
        interactions: 1,
      }),
    ),
  ];
}

describe('processBatch: the count records of a batch', () => {
  it('count consumed events and the segments they emitted, per platform and day of receipt', () => {
    const l1 = session(
      'cvto',
      'L1',
      [
        { time: t('23:59:00'), receivedAt: t('23:59:01') },
        { time: t('23:59:30'), receivedAt: t('23:59:31') },
        // Received after midnight: counted on the next day.
        { time: t('23:59:59'), receivedAt: t('00:00:05', '2026-03-02') },
      ],
      t('23:58:30'),
    );
    const events = [
      ...l1,
      ...session('skillup', 'L2', [{ time: t('10:00:30'), receivedAt: t('10:00:31') }], t('10:00:00')),
      // A duplicate is consumed (accepted) but emits nothing.
      l1[1] as AcceptedEvent,
    ];
    const result = processBatch(
      {
        events,
        offsets: events.map((_, i) => BigInt(i)),
        open: null,
        learners: new Map(),
        devices: new Map(),
      },
      { policyFor: createPolicyFor(), dayOf: createDayOf('UTC'), partition: 'events/0' },
    );
    // A session.start emits no segment; each active heartbeat emits the window it closes.
    expect(result.outputs.map((o) => o.segments.length)).toEqual([0, 1, 1, 1, 0, 1, 0]);
    // Counting began at offset 0 of the partition; each count covers its stretch up to offset 6.
    const count = { segments: 0, through: 6 };
    expect(result.counts).toEqual([
      {
        ...count,
        countId: 'events/0/from-0/cvto/2026-03-01',
        platformId: 'cvto',
        day: '2026-03-01',
        accepted: 4,
        segments: 2,
      },
      {
        ...count,
        countId: 'events/0/from-0/cvto/2026-03-02',
        platformId: 'cvto',
        day: '2026-03-02',
        accepted: 1,
        segments: 1,
      },
      {
        ...count,
        countId: 'events/0/from-0/skillup/2026-03-01',
        platformId: 'skillup',
        day: '2026-03-01',
        accepted: 2,
        segments: 1,
      },
    ]);
  });

  it('counts events by type and outcome, a type the schema does not know as unknown', () => {
    const l1 = session('cvto', 'L1', [{ time: t('10:00:30'), receivedAt: t('10:00:31') }], t('10:00:00'));
    const odd = {
      ...(l1[1] as AcceptedEvent),
      id: 'L1-odd',
      type: 'heartbeat.v2',
    } as unknown as AcceptedEvent;
    const result = processBatch(
      { events: [...l1, l1[1] as AcceptedEvent, odd], ...at(0, 4), learners: new Map(), devices: new Map() },
      { policyFor: createPolicyFor(), dayOf: createDayOf('UTC'), partition: 'events/0' },
    );
    const none = { applied: 0, duplicate: 0, stale: 0, ignored: 0, malformed: 0 };
    expect(Object.fromEntries(result.byType)).toEqual({
      'session.start': { ...none, applied: 1 },
      heartbeat: { ...none, applied: 1, duplicate: 1 },
      unknown: { ...none, malformed: 1 },
    });
    expect(result.malformed.map((m) => m.reason)).toEqual([
      'event L1-odd has an unknown type "heartbeat.v2"',
    ]);
  });

  it('refuses a batch whose learner state cannot be read, naming the learner, instead of crediting on a guess', () => {
    const events = session('cvto', 'L7', [{ time: t('10:00:30'), receivedAt: t('10:00:31') }], t('10:00:00'));
    const run = () =>
      processBatch(
        { events, ...at(0, events.length), learners: new Map([['L7', '2|L7|truncat']]), devices: new Map() },
        { policyFor: createPolicyFor(), dayOf: createDayOf('UTC'), partition: 'events/0' },
      );
    expect(run).toThrow(DetectorError);
    expect(run).toThrow(/^stored state of learner L7: invalid serialized learner state: /);
  });

  // Found in review: the rules refused each event against the other learner's state, and the events
  // were skipped as malformed and committed, dropping the learner's time until the key expired.
  it('refuses a batch whose learner state names another learner, instead of skipping the events', () => {
    const events = session('cvto', 'L7', [{ time: t('10:00:30'), receivedAt: t('10:00:31') }], t('10:00:00'));
    const run = () =>
      processBatch(
        {
          events,
          ...at(0, events.length),
          learners: new Map([['L7', serializeState(emptyLearnerState('L1'))]]),
          devices: new Map(),
        },
        { policyFor: createPolicyFor(), dayOf: createDayOf('UTC'), partition: 'events/0' },
      );
    expect(run).toThrow(DetectorError);
    expect(run).toThrow('stored state of learner L7 names learner "L1"');
  });
});

describe('processBatch: learners over the session cap', () => {
  // A learner on 102 sessions of one heartbeat each, a second apart: the cap of 100 drops two.
  const minted = (from: number, n: number): AcceptedEvent[] =>
    Array.from({ length: n }, (_, i) => ({
      platformId: 'cvto',
      learnerId: 'L-many',
      sessionId: `M${from + i}`,
      id: `M${from + i}-h1`,
      type: 'heartbeat',
      time: new Date(Date.UTC(2026, 2, 1, 8, 0, from + i)).toISOString(),
      receivedAt: new Date(Date.UTC(2026, 2, 1, 8, 0, from + i)).toISOString(),
      courseId: 'c1',
      seq: 1,
      intervalSec: 30,
      focus: true,
      interactions: 1,
    }));
  const opts = { policyFor: createPolicyFor(), dayOf: createDayOf('UTC'), partition: 'p/0' };
  const run = (events: AcceptedEvent[], learners = new Map<string, string>()) =>
    processBatch({ events, ...at(0, events.length), learners, devices: new Map() }, opts);

  it('names a learner whose batch dropped sessions, once; not one still under the cap', () => {
    const r = run([...minted(0, 102), ...session('cvto', 'L1', [], t('08:00:00'))]);
    expect(r.overCap).toEqual(['L-many']);
  });

  it('names a learner whose floor was already raised only when this batch drops sessions again', () => {
    const first = run(minted(0, 102));
    // Another event of a kept session adds no session: nothing more is dropped.
    const kept = { ...(minted(101, 1)[0] as AcceptedEvent), id: 'M101-h2' };
    const quiet = run([kept], first.learners);
    expect(quiet.overCap).toEqual([]);
    expect(run(minted(102, 1), first.learners).overCap).toEqual(['L-many']);
  });
});
