import { SimulateHttpError } from '../errors';

/**
 * A minimal JSON client over the built-in fetch: bearer auth, retries of 429/503 honouring Retry-After
 * (SPEC §3: the server says when to come back), and of network errors with capped backoff. Resending a
 * batch is safe because event ids make ingestion idempotent.
 */
export type Fetch = typeof fetch;
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ClientOptions {
  /** Prefix of every path; a path prefix (behind a proxy) is kept. */
  baseUrl: string;
  fetch?: Fetch;
  sleep?: Sleep;
  /** Attempts per request before giving up (default 20). */
  maxAttempts?: number;
  /** Called before each retry, to tell the user why the run is waiting. */
  onRetry?: (why: string, waitMs: number) => void;
}

const MAX_RETRY_AFTER_MS = 60_000;

/** Retry-After is delta-seconds or an HTTP date (RFC 9110 §10.2.3); null when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null || value.trim() === '') return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.min(Number(v) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(0, at - nowMs), MAX_RETRY_AFTER_MS);
}

function backoffMs(attempt: number): number {
  return Math.min(250 * 2 ** attempt, 10_000);
}

export interface JsonClient {
  readonly baseUrl: string;
  get<T>(path: string, token: string): Promise<T>;
  post<T>(path: string, token: string, body: unknown): Promise<T>;
}

export function createJsonClient(opts: ClientOptions): JsonClient {
  const doFetch = opts.fetch ?? fetch;
  const sleep = opts.sleep ?? realSleep;
  const maxAttempts = opts.maxAttempts ?? 20;

  async function request<T>(method: string, path: string, token: string, body?: string): Promise<T> {
    // Joined as text, not with new URL(), so a base URL with a path prefix (behind a proxy) keeps it.
    const url = `${opts.baseUrl.replace(/\/+$/, '')}${path}`;
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    for (let attempt = 0; ; attempt++) {
      const last = attempt + 1 >= maxAttempts;
      let res: Response;
      try {
        res = await doFetch(url, { method, headers, body });
      } catch (err) {
        if (last) throw err;
        const wait = backoffMs(attempt);
        opts.onRetry?.(`${method} ${path}: ${(err as Error).message}`, wait);
        await sleep(wait);
        continue;
      }
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? null : JSON.parse(text);
      } catch {
        // Not JSON (a proxy's error page, say): keep the text for the message.
      }
      if (res.ok) return parsed as T;
      if ((res.status === 429 || res.status === 503) && !last) {
        const wait = parseRetryAfter(res.headers.get('retry-after'), Date.now()) ?? backoffMs(attempt);
        opts.onRetry?.(`${method} ${path}: ${res.status}`, wait);
        await sleep(wait);
        continue;
      }
      throw new SimulateHttpError(res.status, url, parsed);
    }
  }

  return {
    baseUrl: opts.baseUrl,
    get: <T>(path: string, token: string) => request<T>('GET', path, token),
    post: <T>(path: string, token: string, body: unknown) =>
      request<T>('POST', path, token, JSON.stringify(body)),
  };
}
