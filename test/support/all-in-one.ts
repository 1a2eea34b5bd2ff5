import { startAllInOne } from '@hourglass/cli';
import type { AcceptedEvent } from '@hourglass/events';
import { developmentConfig, type Env } from '@hourglass/runtime';
import { type HourglassClient, hourglassClient } from './client';

const at = (hms: string) => `2026-03-01T${hms}Z`;

/**
 * One learner's sitting on 2026-03-01: a start and two active heartbeats 30 s apart: 60 s verified.
 * `sessionId` (default `<learnerId>-s1`); `lateSecs[i]`: seconds the (i+1)th heartbeat is received late.
 */
export function sitting(
  learnerId: string,
  { sessionId = `${learnerId}-s1`, lateSecs = [] }: { sessionId?: string; lateSecs?: readonly number[] } = {},
): AcceptedEvent[] {
  return [
    {
      id: `${learnerId}-start`,
      type: 'session.start',
      time: at('08:00:00'),
      receivedAt: at('08:00:00'),
      platformId: 'cvto',
      learnerId,
      sessionId,
      courseId: 'weld-101',
      deviceId: `${learnerId}-phone`,
    },
    ...[1, 2].map((seq): AcceptedEvent => {
      const time = at(`08:0${seq - 1}:${seq === 1 ? '30' : '00'}`);
      return {
        id: `${learnerId}-hb${seq}`,
        type: 'heartbeat',
        time,
        receivedAt: new Date(Date.parse(time) + (lateSecs[seq - 1] ?? 0) * 1000).toISOString(),
        platformId: 'cvto',
        learnerId,
        sessionId,
        courseId: 'weld-101',
        seq,
        intervalSec: 30,
        focus: true,
        interactions: 3,
      };
    }),
  ];
}

/**
 * `hourglass start` on `env` with the development configuration (one partition, no signal handlers):
 * `use` gets a client of it, and the process's services are closed after, whatever `use` did.
 */
export async function withAllInOne<T>(env: Env, use: (client: HourglassClient) => Promise<T>): Promise<T> {
  const hg = await startAllInOne({
    env,
    config: developmentConfig(),
    isDevelopmentConfig: true,
    registerSignals: false,
    partitions: 1,
  });
  try {
    return await use(hourglassClient({ ingestUrl: hg.url, apiUrl: hg.url }));
  } finally {
    await hg.close();
  }
}

/** Verified hours per learner on 2026-03-01 and accepted events per platform, as the API answers them. */
export async function hoursAndCounts(client: HourglassClient) {
  const hours = (await client.get('/v1/stats/hours?from=2026-03-01&to=2026-03-01&groupBy=learner')) as {
    rows: { learnerId: string; verifiedHours: number }[];
  };
  const programme = (await client.get('/v1/stats/programme')) as {
    platformQuality: { platformId: string; acceptedEvents: number }[];
  };
  return {
    hours: hours.rows.map((r) => [r.learnerId, r.verifiedHours]),
    acceptedEvents: programme.platformQuality.map((p) => [p.platformId, p.acceptedEvents]),
  };
}
