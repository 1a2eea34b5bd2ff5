import { afterAll } from 'vitest';

export type Cleanups = (() => Promise<unknown>)[];

/**
 * The suite's list of cleanups, run newest first after its last test. A failing cleanup does not stop
 * the others: after a fault test the server or process it would talk to may well be gone. `first` runs
 * before them, for a suite that stopped a server and must have it back (its topics and keys live there).
 */
export function cleanupsAfterAll(first?: () => void): Cleanups {
  const cleanups: Cleanups = [];
  afterAll(async () => {
    first?.();
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });
  return cleanups;
}
