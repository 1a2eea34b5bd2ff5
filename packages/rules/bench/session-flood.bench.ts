/**
 * What the session cap buys (plain script, not a test):
 *   pnpm bench:session-flood [--days 7] [--uncapped]
 *
 * One learner on a platform that mints a new session id with every heartbeat, 30 s apart, for `days`
 * of event time. Each event is its own batch, as when the learner's events are spread over a busy
 * partition: deserialize the state, apply the event, serialize it. Prints the CPU per event and the
 * state size at each quarter. --uncapped runs without the cap (maxSessions = Infinity), as before it.
 */
import { parseArgs } from 'node:util';
import type { AcceptedEvent } from '@hourglass/events';
import {
  applyEvent,
  createMemoryDeviceView,
  createPolicyFor,
  deserializeState,
  emptyLearnerState,
  MAX_SESSIONS,
  serializeState,
} from '../src/index';

const args = parseArgs({
  options: { days: { type: 'string', default: '7' }, uncapped: { type: 'boolean', default: false } },
});
const days = Number(args.values.days);
if (!(days > 0)) throw new RangeError('--days must be a positive number');
const maxSessions = args.values.uncapped ? Number.POSITIVE_INFINITY : MAX_SESSIONS;
const events = Math.round((days * 86_400) / 30);
const quarter = Math.max(1, Math.floor(events / 4));
const ctx = { policyFor: createPolicyFor(), devices: createMemoryDeviceView(), maxSessions };
const T0 = Date.UTC(2026, 2, 1);

console.log(`${events} heartbeats, each in a new session, ${days} days; cap ${maxSessions}`);
let text = serializeState(emptyLearnerState('L'));
let cpu = process.cpuUsage();
for (let i = 0; i < events; i++) {
  const time = new Date(T0 + i * 30_000).toISOString();
  const e: AcceptedEvent = {
    platformId: 'p',
    learnerId: 'L',
    sessionId: `M${i}`,
    id: `h${i}`,
    type: 'heartbeat',
    time,
    receivedAt: time,
    courseId: 'c',
    seq: 1,
    intervalSec: 30,
    focus: true,
    interactions: 1,
  };
  const step = applyEvent(deserializeState(text), e, ctx);
  text = serializeState(step.state);
  if ((i + 1) % quarter === 0 || i + 1 === events) {
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    const n = (i % quarter) + 1;
    console.log(
      `after ${String(i + 1).padStart(6)} events: ${((used.user + used.system) / n).toFixed(1)} µs CPU/event ` +
        `over the last ${n}, state ${text.length} B, ${step.state.sessions.length} sessions`,
    );
  }
}
