import type { AcceptedEvent } from '@hourglass/events';
import { DEMO_TOKENS } from '@hourglass/runtime';

/** A small client of one running Hourglass (all-in-one, or ingest + api processes). */
export function hourglassClient(opts: { ingestUrl: string; apiUrl: string }) {
  const call = async (url: string, token: string, init: RequestInit = {}): Promise<unknown> => {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(url, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
      });
      if ((res.status === 503 || res.status === 429) && attempt < 60) {
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      const body = await res.json();
      if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${JSON.stringify(body)}`);
      return body;
    }
  };
  return {
    /** Replays events with their own receivedAt (admin), in batches, in order. */
    async replay(
      events: readonly AcceptedEvent[],
      batch = 500,
    ): Promise<{ accepted: number; rejected: number }> {
      let accepted = 0;
      let rejected = 0;
      for (let i = 0; i < events.length; i += batch) {
        const r = (await call(`${opts.ingestUrl}/v1/replay/events`, DEMO_TOKENS.admin, {
          method: 'POST',
          body: JSON.stringify(events.slice(i, i + batch)),
        })) as { accepted: number; rejected: number };
        accepted += r.accepted;
        rejected += r.rejected;
      }
      return { accepted, rejected };
    },
    async waitCaughtUp(timeoutMs = 120_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      // Twice in a row: a single read can race a batch between two stages' reads.
      let streak = 0;
      while (streak < 2) {
        const s = (await call(`${opts.apiUrl}/v1/admin/pipeline`, DEMO_TOKENS.admin)) as {
          caughtUp: boolean;
        };
        streak = s.caughtUp ? streak + 1 : 0;
        if (Date.now() > deadline) throw new Error(`pipeline not caught up after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    get: (path: string, token: string = DEMO_TOKENS.admin) => call(`${opts.apiUrl}${path}`, token),
    post: (path: string, body: unknown, token: string = DEMO_TOKENS.admin) =>
      call(`${opts.apiUrl}${path}`, token, { method: 'POST', body: JSON.stringify(body) }),
    async allFlags(): Promise<Record<string, unknown>[]> {
      const flags: Record<string, unknown>[] = [];
      let cursor: string | null = null;
      do {
        const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const page = (await call(`${opts.apiUrl}/v1/flags?limit=1000${q}`, DEMO_TOKENS.admin)) as {
          flags: Record<string, unknown>[];
          nextCursor: string | null;
        };
        flags.push(...page.flags);
        cursor = page.nextCursor;
      } while (cursor);
      return flags;
    },
  };
}
export type HourglassClient = ReturnType<typeof hourglassClient>;

/** What two runs of the same events must agree on: hours every way, flags, and session timelines. */
export async function snapshot(
  client: HourglassClient,
  sessions: readonly { platformId: string; sessionId: string }[],
  days: { from: string; to: string },
) {
  const hours = await client.get(
    `/v1/stats/hours?from=${days.from}&to=${days.to}&groupBy=day,platform,region,occupation,course,learnerGroup,learner`,
    DEMO_TOKENS.statistician,
  );
  const total = await client.get(`/v1/stats/hours?from=${days.from}&to=${days.to}`, DEMO_TOKENS.statistician);
  const programme = (await client.get('/v1/stats/programme', DEMO_TOKENS.statistician)) as {
    platformQuality: { acceptedEvents: number }[];
  };
  // Decision ids and times are the server's own (UUID, clock): compare what was decided.
  const stripDecisions = (v: Record<string, unknown>): Record<string, unknown> => ({
    ...v,
    decisions: ((v.decisions as Record<string, unknown>[] | undefined) ?? []).map((d) => ({
      decision: d.decision,
      note: d.note,
      by: d.by,
    })),
  });
  const flags = (await client.allFlags())
    .map(stripDecisions)
    .sort((a, b) => String(a.flagId).localeCompare(String(b.flagId)));
  const timelines: unknown[] = [];
  for (const s of sessions) {
    const t = (await client.get(`/v1/sessions/${s.platformId}/${encodeURIComponent(s.sessionId)}`)) as Record<
      string,
      unknown
    >;
    timelines.push({
      ...t,
      flags: ((t.flags as Record<string, unknown>[]) ?? []).map(stripDecisions),
      decisions: undefined,
    });
  }
  return { hours, total, programme, flags, timelines };
}
