import type { AcceptedEvent } from '@hourglass/events';

/**
 * The detector benchmarks' traffic: one session per learner, a session.start and then `beats` heartbeats
 * 30 s apart; every tenth learner idles (no focus, no interactions, media paused), every 25th uploads
 * late (received 200 s after). Learners are interleaved as live traffic would arrive.
 */
export function benchTraffic(learners: number, beats: number): AcceptedEvent[] {
  const t0 = Date.UTC(2026, 2, 1, 0, 0, 0);
  const iso = (ms: number) => new Date(ms).toISOString();
  const perLearner: AcceptedEvent[][] = [];
  for (let l = 0; l < learners; l++) {
    const learnerId = `bench-L${l}`;
    const platformId = `p${String(l % 50).padStart(2, '0')}`;
    const sessionId = `S${l}`;
    const start = t0 + (l % 3600) * 1000;
    const idler = l % 10 === 7;
    const late = l % 25 === 3;
    const base = { platformId, learnerId, sessionId };
    const list: AcceptedEvent[] = [
      {
        ...base,
        id: `${sessionId}-s`,
        type: 'session.start',
        time: iso(start),
        receivedAt: iso(start + 800),
        courseId: `c${l % 300}`,
        deviceId: `D${l}`,
        occupation: `${l % 100}`,
        region: `${110000 + (l % 30)}`,
        learnerGroup: 'migrant_worker',
      },
    ];
    for (let b = 1; b <= beats; b++) {
      const t = start + b * 30_000;
      list.push({
        ...base,
        id: `${sessionId}-h${b}`,
        type: 'heartbeat',
        time: iso(t),
        receivedAt: iso(late ? t + 200_000 : t + 700),
        courseId: `c${l % 300}`,
        seq: b,
        intervalSec: 30,
        focus: !idler,
        interactions: idler ? 0 : 1 + (b % 5),
        media: { positionSec: idler ? 10 : b * 30, rate: 1, playing: !idler },
      });
    }
    perLearner.push(list);
  }
  // Interleave learners as live traffic would arrive.
  const out: AcceptedEvent[] = [];
  for (let b = 0; b <= beats; b++) {
    for (const list of perLearner) {
      const e = list[b];
      if (e) out.push(e);
    }
  }
  return out;
}
