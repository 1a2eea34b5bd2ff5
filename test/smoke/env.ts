import { randomBytes } from 'node:crypto';

// The smoke tests talk to the real servers started by deploy/local/services.sh. They fail (never skip)
// when the environment does not name them, so a CI run without services cannot pass silently.
export const START_HINT = 'start the services: bash deploy/local/services.sh up';

export function requireEnv(name: 'KAFKA_BROKERS' | 'REDIS_URL' | 'CLICKHOUSE_URL'): string {
  const value = process.env[name]?.trim();
  if (!value) {
    throw new Error(
      `${name} is not set; ${START_HINT} (then export the lines it prints, or: eval "$(bash deploy/local/services.sh env)")`,
    );
  }
  return value;
}

/** A name no other run (or concurrent test file) uses: `${prefix}-<time>-<random>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
