import type { JsonClient, Sleep } from './http';

/** The fields of a flag (SPEC §4/§5) the summary needs; the API sends more. */
export interface FlagLite {
  flagId?: string;
  kind: string;
  learnerId: string;
  platformId?: string;
  sessionId?: string;
  evidence?: { learnerIds?: string[] }[];
}

interface PipelineStatus {
  caughtUp?: boolean;
}

/**
 * Polls GET /v1/admin/pipeline until `caughtUp` (every accepted event reflected in the query API).
 * Returns false on timeout: the summary is still printed, marked as possibly incomplete.
 */
export async function waitForPipeline(
  client: JsonClient,
  adminToken: string,
  timeoutMs: number,
  now: () => number,
  sleep: Sleep,
): Promise<boolean> {
  const deadline = now() + timeoutMs;
  for (;;) {
    const status = await client.get<PipelineStatus>('/v1/admin/pipeline', adminToken);
    if (status?.caughtUp === true) return true;
    if (now() >= deadline) return false;
    await sleep(500);
  }
}

interface FlagPage {
  flags?: FlagLite[];
  nextCursor?: string | null;
}

/** Reads every page of GET /v1/flags. */
export async function fetchAllFlags(client: JsonClient, token: string): Promise<FlagLite[]> {
  const out: FlagLite[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100_000; page++) {
    const q = new URLSearchParams({ limit: '1000' });
    if (cursor !== null) q.set('cursor', cursor);
    const res: FlagPage = await client.get<FlagPage>(`/v1/flags?${q}`, token);
    out.push(...(res.flags ?? []));
    cursor = res.nextCursor ?? null;
    if (cursor === null || (res.flags ?? []).length === 0) break;
  }
  return out;
}

export interface Hours {
  verifiedHours: number;
  pendingHours: number;
  rejectedHours: number;
}

interface HoursRow extends Partial<Hours> {
  learnerId?: string;
}

/**
 * Hours per simulated learner from GET /v1/stats/hours grouped by learner. The day range is the run's
 * UTC days widened by one on each side, so it covers them whatever the programme time zone.
 */
export async function fetchHours(
  client: JsonClient,
  token: string,
  learners: ReadonlySet<string>,
  startMs: number,
  endMs: number,
): Promise<Map<string, Hours>> {
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  const q = new URLSearchParams({
    from: day(startMs - 86_400_000),
    to: day(endMs + 86_400_000),
    groupBy: 'learner',
  });
  const res = await client.get<{ rows?: HoursRow[] }>(`/v1/stats/hours?${q}`, token);
  const out = new Map<string, Hours>();
  for (const row of res.rows ?? []) {
    if (row.learnerId === undefined || !learners.has(row.learnerId)) continue;
    out.set(row.learnerId, {
      verifiedHours: row.verifiedHours ?? 0,
      pendingHours: row.pendingHours ?? 0,
      rejectedHours: row.rejectedHours ?? 0,
    });
  }
  return out;
}
