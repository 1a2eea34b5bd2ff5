import { type AcceptedEvent, type HourglassEvent, parseTimestamp } from '@hourglass/events';
import { SimulateHttpError } from '../errors';
import type { JsonClient, Sleep } from './http';
import type { Progress } from './progress';

/** One event ready to go: when to send it, through which platform's token, and the body to send. */
export interface Outgoing {
  sendAtMs: number;
  platformId: string;
  body: HourglassEvent | AcceptedEvent;
}

function ms(ts: string): number {
  const v = parseTimestamp(ts);
  if (v === null) throw new Error(`generated an unreadable timestamp: ${ts}`);
  return v;
}

/**
 * Live sending through POST /v1/events: the server stamps receivedAt with its own clock, so the
 * simulated timeline is moved onto the real one (shift = real start − simulated start) and each event
 * leaves when its simulated receipt comes due. A late upload therefore really arrives minutes after its
 * `time`. receivedAt itself is not sent: the event schema has no such field for platforms.
 */
export function liveSchedule(events: readonly AcceptedEvent[], shiftMs: number): Outgoing[] {
  return events.map((e) => {
    const { receivedAt, ...event } = e;
    const time = shiftMs === 0 ? event.time : new Date(ms(event.time) + shiftMs).toISOString();
    return {
      sendAtMs: ms(receivedAt) + shiftMs,
      platformId: e.platformId,
      body: { ...event, time } as HourglassEvent,
    };
  });
}

/**
 * Replay through POST /v1/replay/events: events keep their generated receivedAt and go in receivedAt
 * order. `speedup` X compresses the pacing X times; 0 (or Infinity) sends as fast as the server takes them.
 */
export function replaySchedule(
  events: readonly AcceptedEvent[],
  realStartMs: number,
  simStartMs: number,
  speedup: number,
): Outgoing[] {
  const paced = Number.isFinite(speedup) && speedup > 0;
  return events.map((e) => ({
    sendAtMs: paced ? realStartMs + (ms(e.receivedAt) - simStartMs) / speedup : realStartMs,
    platformId: e.platformId,
    body: e,
  }));
}

export interface Batch {
  /** The platform whose token sends it; null for replay, where the admin token sends any platform's. */
  platformId: string | null;
  items: Outgoing[];
}

/**
 * Cuts due events into requests of at most `size`. Live requests carry one platform each (its token);
 * grouping keeps each platform's order, which is what matters for a learner on one platform.
 */
export function toBatches(due: readonly Outgoing[], size: number, perPlatform: boolean): Batch[] {
  const groups = new Map<string | null, Outgoing[]>();
  for (const o of due) {
    const key = perPlatform ? o.platformId : null;
    const g = groups.get(key);
    if (g) g.push(o);
    else groups.set(key, [o]);
  }
  const out: Batch[] = [];
  for (const [platformId, items] of groups) {
    for (let i = 0; i < items.length; i += size) out.push({ platformId, items: items.slice(i, i + size) });
  }
  return out;
}

interface IngestResponse {
  accepted?: number;
  rejected?: number;
  errors?: {
    index?: number;
    id?: string | null;
    errors?: { path?: string; code?: string; message?: string }[];
  }[];
}

export interface SendCounts {
  sent: number;
  accepted: number;
  rejected: number;
  /** Rejected events per reason code (an event with two reasons counts under both). */
  rejectionCodes: Record<string, number>;
  /** A few rejected events with their reasons, to show the user. */
  rejectionSamples: string[];
}

export interface SendOptions {
  client: JsonClient;
  schedule: readonly Outgoing[];
  replay: boolean;
  platformTokens: Readonly<Record<string, string>>;
  adminToken: string;
  batchSize: number;
  now: () => number;
  sleep: Sleep;
  progress: Progress;
}

/** Events due within this much of now go together, so a busy second becomes a few requests, not hundreds. */
const LOOKAHEAD_MS = 250;
const MAX_SAMPLES = 5;

/** Sends the schedule in order, each request waiting for the previous one so per-learner order holds. */
export async function sendSchedule(opts: SendOptions): Promise<SendCounts> {
  const { schedule, progress } = opts;
  const counts: SendCounts = { sent: 0, accepted: 0, rejected: 0, rejectionCodes: {}, rejectionSamples: [] };
  const note = () => `accepted ${counts.accepted}  rejected ${counts.rejected}`;
  let i = 0;
  try {
    while (i < schedule.length) {
      const wait = (schedule[i] as Outgoing).sendAtMs - opts.now();
      if (wait > 0) await opts.sleep(Math.min(wait, 1000));
      if ((schedule[i] as Outgoing).sendAtMs - opts.now() > LOOKAHEAD_MS) continue;
      const horizon = opts.now() + LOOKAHEAD_MS;
      let j = i;
      while (j < schedule.length && (schedule[j] as Outgoing).sendAtMs <= horizon) j++;
      for (const batch of toBatches(schedule.slice(i, j), opts.batchSize, !opts.replay)) {
        await postBatch(opts, batch.platformId, batch.items, counts);
        progress.update(counts.sent, note());
      }
      i = j;
    }
  } finally {
    progress.finish(counts.sent, note());
  }
  return counts;
}

async function postBatch(
  opts: SendOptions,
  platformId: string | null,
  items: readonly Outgoing[],
  counts: SendCounts,
): Promise<void> {
  const token = platformId === null ? opts.adminToken : opts.platformTokens[platformId];
  if (token === undefined) throw new Error(`no token for platform ${platformId}`);
  const path = platformId === null ? '/v1/replay/events' : '/v1/events';
  let res: IngestResponse;
  try {
    res = await opts.client.post<IngestResponse>(
      path,
      token,
      items.map((o) => o.body),
    );
  } catch (err) {
    // A configured body limit below our batch: halve until it fits rather than failing the run.
    if (err instanceof SimulateHttpError && err.status === 413 && items.length > 1) {
      const half = Math.ceil(items.length / 2);
      await postBatch(opts, platformId, items.slice(0, half), counts);
      await postBatch(opts, platformId, items.slice(half), counts);
      return;
    }
    throw err;
  }
  counts.sent += items.length;
  counts.accepted += res.accepted ?? 0;
  counts.rejected += res.rejected ?? 0;
  for (const e of res.errors ?? []) {
    const reasons = e.errors ?? [];
    for (const r of reasons) {
      const code = r.code ?? 'unknown';
      counts.rejectionCodes[code] = (counts.rejectionCodes[code] ?? 0) + 1;
    }
    if (counts.rejectionSamples.length < MAX_SAMPLES) {
      const why = reasons.map((r) => `${r.path ?? ''} ${r.code ?? ''}: ${r.message ?? ''}`).join('; ');
      counts.rejectionSamples.push(`${e.id ?? `#${e.index ?? '?'}`} — ${why}`);
    }
  }
}
