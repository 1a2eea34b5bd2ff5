import { describe, expect, it } from 'vitest';
import { SimulateHttpError } from '../errors';
import { createJsonClient, type Fetch, parseRetryAfter } from './http';

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, caps long waits, ignores garbage', () => {
    const now = Date.UTC(2026, 0, 1, 0, 0, 0);
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('0.5', now)).toBe(500);
    expect(parseRetryAfter(new Date(now + 3000).toUTCString(), now)).toBe(3000);
    expect(parseRetryAfter('86400', now)).toBe(60_000);
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
  });
});

function scripted(responses: (() => Response)[]): { fetch: Fetch; calls: RequestInit[] } {
  const calls: RequestInit[] = [];
  const fetch: Fetch = async (_url, init) => {
    calls.push(init ?? {});
    const next = responses.shift();
    if (!next) throw new Error('no more responses');
    return next();
  };
  return { fetch, calls };
}

describe('JsonClient', () => {
  it('retries 429 and 503 after Retry-After, and network errors with backoff', async () => {
    const waits: number[] = [];
    const { fetch, calls } = scripted([
      () => new Response('{}', { status: 429, headers: { 'retry-after': '3' } }),
      () => new Response('', { status: 503 }),
      () => {
        throw new TypeError('fetch failed');
      },
      () => Response.json({ accepted: 2, rejected: 0, errors: [] }),
    ]);
    const client = createJsonClient({
      baseUrl: 'http://h:1/',
      fetch,
      sleep: async (ms) => void waits.push(ms),
    });
    const res = await client.post<{ accepted: number }>('/v1/events', 'tok', [{ a: 1 }]);
    expect(res.accepted).toBe(2);
    expect(calls).toHaveLength(4);
    expect(waits[0]).toBe(3000);
    expect(waits.slice(1).every((w) => w > 0)).toBe(true);
    expect(calls[0]?.headers).toMatchObject({ authorization: 'Bearer tok' });
  });

  it('throws other statuses with the SPEC error message, and gives up after maxAttempts', async () => {
    const denied = scripted([
      () => Response.json({ error: { code: 'unauthorized', message: 'bad token' } }, { status: 401 }),
    ]);
    await expect(
      createJsonClient({ baseUrl: 'http://h', fetch: denied.fetch }).get('/v1/flags', 't'),
    ).rejects.toThrow(/401.*unauthorized bad token/);
    const busy = scripted(Array.from({ length: 3 }, () => () => new Response('', { status: 503 })));
    const client = createJsonClient({
      baseUrl: 'http://h',
      fetch: busy.fetch,
      sleep: async () => {},
      maxAttempts: 3,
    });
    await expect(client.get('/x', 't')).rejects.toBeInstanceOf(SimulateHttpError);
    expect(busy.calls).toHaveLength(3);
  });

  it('keeps a path prefix of the base URL', async () => {
    const urls: string[] = [];
    const fetch: Fetch = async (url) => {
      urls.push(String(url));
      return Response.json({});
    };
    await createJsonClient({ baseUrl: 'http://h/hourglass/', fetch }).get('/v1/admin/pipeline', 't');
    expect(urls).toEqual(['http://h/hourglass/v1/admin/pipeline']);
  });
});
