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

/**
 * Token counts are sums of floating-point refills: at 0.1 events/s, ten seconds after one event of debt
 * the bucket holds 0.09999999999999998, not 0.1. Comparisons allow this much (relative to the rate), so
 * a platform that waits exactly its Retry-After is let in.
 */
const TOLERANCE = 1e-9;

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
    } else if (now < b.atMs) {
      // The wall clock was stepped back: refill from the new time on. Keeping the old time would refill
      // nothing until the clock caught up, refusing the platform for as long as the step while each
      // Retry-After said a second or two.
      b.atMs = now;
    }
    return b;
  }

  return {
    take(key, rate, events) {
      const b = refill(key, rate);
      const need = Math.min(events, rate);
      const slack = TOLERANCE * Math.max(1, rate);
      if (b.tokens + slack >= need) {
        b.tokens -= events;
        return { ok: true };
      }
      return { ok: false, retryAfterSec: Math.max(1, Math.ceil((need - b.tokens - slack) / rate)) };
    },
    refund(key, rate, events) {
      const b = refill(key, rate);
      b.tokens = Math.min(rate, b.tokens + events);
    },
  };
}
