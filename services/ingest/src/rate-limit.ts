/**
 * Per-platform token buckets counted in events (SPEC §3). Capacity is one second of the rate. A batch
 * larger than the capacity could never fit, so it is let through when the bucket is full and leaves the
 * bucket in debt: the long-run rate still holds. Buckets live in this process: N ingest processes behind a
 * load balancer allow up to N × the configured rate.
 */
export interface RateLimiter {
  /** Takes `events` tokens, or says after how many whole seconds enough tokens will be there. */
  take(key: string, ratePerSec: number, events: number): { ok: true } | { ok: false; retryAfterSec: number };
  /** Gives tokens back (a request that was taken but then failed before anything was accepted). */
  refund(key: string, ratePerSec: number, events: number): void;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

export function createRateLimiter(clock: () => number): RateLimiter {
  const buckets = new Map<string, Bucket>();

  function refill(key: string, rate: number): Bucket {
    const now = clock();
    let b = buckets.get(key);
    if (b === undefined) {
      b = { tokens: rate, atMs: now };
      buckets.set(key, b);
    } else if (now > b.atMs) {
      b.tokens = Math.min(rate, b.tokens + ((now - b.atMs) * rate) / 1000);
      b.atMs = now;
    }
    return b;
  }

  return {
    take(key, rate, events) {
      const b = refill(key, rate);
      const need = Math.min(events, rate);
      if (b.tokens >= need) {
        b.tokens -= events;
        return { ok: true };
      }
      return { ok: false, retryAfterSec: Math.max(1, Math.ceil((need - b.tokens) / rate)) };
    },
    refund(key, rate, events) {
      const b = refill(key, rate);
      b.tokens = Math.min(rate, b.tokens + events);
    },
  };
}
