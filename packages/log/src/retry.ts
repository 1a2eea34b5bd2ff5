export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/** Exponential delay for the n-th failure (0-based), capped, with ±20 % jitter so replicas do not retry in step. */
export function backoffDelay(failures: number, { initialMs, maxMs }: Backoff): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(failures, 30));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** Sleeps that `interrupt()` ends early, so stop/seek/rebalance never wait out a long backoff. */
export interface Interrupter {
  wait(ms: number): Promise<void>;
  interrupt(): void;
}

export function createInterrupter(): Interrupter {
  const sleepers = new Set<() => void>();
  return {
    wait(ms) {
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          sleepers.delete(done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        sleepers.add(done);
      });
    },
    interrupt() {
      for (const done of [...sleepers]) done();
    },
  };
}

export interface RetryLoopOptions {
  run(): Promise<void>;
  /** Checked before each attempt: true ends the loop without success (stopped, rebalanced, seeked away). */
  abandoned(): boolean;
  /** Sleeps between attempts; may throw (a Kafka heartbeat that finds the group rebalancing). */
  wait(ms: number): Promise<void>;
  backoff: Backoff;
  onFailure(err: unknown, failures: number, delayMs: number): void;
}

/** Runs `run` until it succeeds (true) or the loop is abandoned (false). Never skips, never gives up on its own. */
export async function retryUntilDone(opts: RetryLoopOptions): Promise<boolean> {
  for (let failures = 0; ; failures++) {
    if (opts.abandoned()) return false;
    try {
      await opts.run();
      return true;
    } catch (err) {
      const delay = backoffDelay(failures, opts.backoff);
      opts.onFailure(err, failures + 1, delay);
      if (opts.abandoned()) return false;
      await opts.wait(delay);
    }
  }
}
