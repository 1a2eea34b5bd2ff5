/**
 * The state of a learner who studies every day (plain script, not a test):
 *   pnpm bench:daily-learner [--days 16]
 *
 * One learner, two sessions a day (60 min at 09:00, 45 min at 19:00 UTC, 30 s heartbeats, each ended),
 * through the rules. Prints the serialized state's size and session count at the end of each day: it
 * grows until sessions start to be pruned (14 days + 1 min after their last event) and stays there.
 * This is what Redis holds per such learner, before Redis's own overhead (README "Redis memory").
 */
import { parseArgs } from 'node:util';
import type { AcceptedEvent } from '@hourglass/events';
import {
  applyEvent,
  createMemoryDeviceView,
  createPolicyFor,
  emptyLearnerState,
  serializeState,
} from '../src/index';

const args = parseArgs({ options: { days: { type: 'string', default: '16' } } });
const days = Number(args.values.days);
if (!(Number.isInteger(days) && days > 0)) throw new RangeError('--days must be a positive integer');

const ctx = { policyFor: createPolicyFor(), devices: createMemoryDeviceView() };
const DAY_MS = 86_400_000;
const t0 = Date.UTC(2026, 2, 1);
const iso = (ms: number) => new Date(ms).toISOString();
const SITTINGS = [
  { hour: 9, minutes: 60 },
  { hour: 19, minutes: 45 },
] as const;

function sitting(day: number, k: number): AcceptedEvent[] {
  const { hour, minutes } = SITTINGS[k]!;
  const sessionId = `d${day}s${k}`;
  const start = t0 + day * DAY_MS + hour * 3_600_000;
  const at = (ms: number) => ({ time: iso(ms), receivedAt: iso(ms) });
  const base = { platformId: 'p01', learnerId: 'L1', sessionId };
  const events: AcceptedEvent[] = [
    {
      ...base,
      ...at(start),
      id: `${sessionId}-s`,
      type: 'session.start',
      courseId: 'c1',
      deviceId: 'D1',
      occupation: '6-01',
      region: '110105',
      learnerGroup: 'migrant_worker',
    },
  ];
  for (let b = 1; b <= minutes * 2; b++) {
    events.push({
      ...base,
      ...at(start + b * 30_000),
      id: `${sessionId}-h${b}`,
      type: 'heartbeat',
      courseId: 'c1',
      seq: b,
      intervalSec: 30,
      focus: true,
      interactions: 1,
    });
  }
  events.push({
    ...base,
    ...at(start + minutes * 60_000 + 5_000),
    id: `${sessionId}-e`,
    type: 'session.end',
  });
  return events;
}

let state = emptyLearnerState('L1');
for (let day = 0; day < days; day++) {
  for (let k = 0; k < SITTINGS.length; k++) {
    for (const e of sitting(day, k)) state = applyEvent(state, e, ctx).state;
  }
  const bytes = Buffer.byteLength(serializeState(state));
  console.log(`day ${day + 1}: ${bytes} B of state, ${state.sessions.length} sessions`);
}
