import { type AcceptedEvent, type FlagUpdate, type Segment, validateEvent } from '@hourglass/events';
import { DEFAULT_POLICY, runSequence } from '@hourglass/rules';
import type { Fetch } from '../http';

/**
 * An in-memory stand-in for a running Hourglass behind the HTTP API the simulator uses (SPEC §3, §5),
 * built on the real validator and rules engine. Lets the simulator's client be tested end to end
 * without starting services; the server's clock is the injected `now`.
 */
export interface FakeHourglass {
  fetch: Fetch;
  /** Accepted events in arrival order, as the server stamped them. */
  accepted: AcceptedEvent[];
  /** Requests answered, by "METHOD path". */
  requests: string[];
  /** The next `n` POSTs are answered 429 with Retry-After: 1. */
  throttleNext(n: number): void;
}

export interface FakeOptions {
  now: () => number;
  platformTokens: Readonly<Record<string, string>>;
  adminToken: string;
  supervisorToken: string;
  statisticianToken?: string;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

export function fakeHourglass(opts: FakeOptions): FakeHourglass {
  const accepted: AcceptedEvent[] = [];
  const requests: string[] = [];
  const platformOf = new Map(Object.entries(opts.platformTokens).map(([p, t]) => [t, p]));
  let throttle = 0;

  const results = () => {
    const { out } = runSequence(accepted, () => DEFAULT_POLICY);
    const flags = new Map<string, FlagUpdate>();
    const segments = new Map<string, Segment>();
    for (const o of out) {
      for (const f of o.flags) flags.set(f.flagId, f);
      for (const s of o.segments) segments.set(s.segmentId, s);
    }
    return { flags: [...flags.values()], segments: [...segments.values()] };
  };

  const ingest = (raw: unknown, platformId: string | undefined) => {
    if (!Array.isArray(raw) || raw.length === 0 || raw.length > 1000)
      return json(400, { error: { code: 'bad_body' } });
    const errors: unknown[] = [];
    raw.forEach((e, index) => {
      const v = validateEvent(e, platformId === undefined ? {} : { platformId, receivedAtMs: opts.now() });
      if (v.ok) accepted.push(v.event);
      else errors.push({ index, id: v.id, errors: v.errors });
    });
    return json(200, { accepted: raw.length - errors.length, rejected: errors.length, errors });
  };

  const fetch: Fetch = async (input, init) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    requests.push(`${method} ${url.pathname}`);
    const token = String((init?.headers as Record<string, string>)?.authorization ?? '').replace(
      /^Bearer /,
      '',
    );
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    if (method === 'POST' && throttle > 0) {
      throttle -= 1;
      return json(429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'retry-after': '1' });
    }
    if (method === 'POST' && url.pathname === '/v1/events') {
      const platformId = platformOf.get(token);
      return platformId ? ingest(body, platformId) : json(401, { error: { code: 'unauthorized' } });
    }
    if (method === 'POST' && url.pathname === '/v1/replay/events') {
      return token === opts.adminToken
        ? ingest(body, undefined)
        : json(403, { error: { code: 'forbidden' } });
    }
    if (url.pathname === '/v1/admin/pipeline') return json(200, { caughtUp: true, stages: [] });
    if (url.pathname === '/v1/flags') {
      if (token !== opts.supervisorToken && token !== opts.adminToken) return json(403, { error: {} });
      const all = results().flags.sort((a, b) => a.flagId.localeCompare(b.flagId));
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const from = Number(url.searchParams.get('cursor') ?? 0);
      const page = all.slice(from, from + limit);
      const next = from + limit < all.length ? String(from + limit) : null;
      return json(200, { flags: page, nextCursor: next });
    }
    if (url.pathname === '/v1/stats/hours' && token === opts.statisticianToken) {
      const rows = new Map<
        string,
        { learnerId: string; verifiedHours: number; pendingHours: number; rejectedHours: number }
      >();
      for (const s of results().segments) {
        const row = rows.get(s.learnerId) ?? {
          learnerId: s.learnerId,
          verifiedHours: 0,
          pendingHours: 0,
          rejectedHours: 0,
        };
        const h = (s.endMs - s.startMs) / 3_600_000;
        if (s.status === 'verified') row.verifiedHours += h;
        else row.pendingHours += h;
        rows.set(s.learnerId, row);
      }
      return json(200, { rows: [...rows.values()] });
    }
    return json(404, { error: { code: 'not_found', message: url.pathname } });
  };

  return {
    fetch,
    accepted,
    requests,
    throttleNext(n) {
      throttle = n;
    },
  };
}
