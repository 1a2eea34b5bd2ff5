import { requireEnv } from '../smoke/env';

export { requireEnv, START_HINT, uniqueName } from '../smoke/env';

/** The real servers deploy/local/services.sh started; a test that needs them fails loudly without them. */
export function realServers(): { kafkaBrokers: string; redisUrl: string; clickhouseUrl: string } {
  return {
    kafkaBrokers: requireEnv('KAFKA_BROKERS'),
    redisUrl: requireEnv('REDIS_URL'),
    clickhouseUrl: requireEnv('CLICKHOUSE_URL'),
  };
}

export async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  opts: { timeoutMs: number; what: string; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    // A probe that throws (a broker briefly without metadata, a server restarting) means "not yet".
    try {
      const value = await probe();
      if (done(value)) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}`, { cause: lastError });
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}
