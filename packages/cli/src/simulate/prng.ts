/**
 * The simulator's draws, over the shared seeded PRNG (seededRandom: mulberry32). The simulator must produce the same traffic for the same seed so
 * that a run can be reproduced and two deployments can be compared on identical input; Math.random
 * cannot be seeded.
 */
import { seededRandom } from '@hourglass/events';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** Uniform real in [min, max). */
  real(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** An independent generator derived from this one, so one consumer's draws do not shift another's. */
  fork(): Rng;
}

export function createRng(seed: number): Rng {
  const next = seededRandom(seed);
  const rng: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    real: (min, max) => min + next() * (max - min),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
    shuffle: <T>(items: readonly T[]): T[] => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j] as T, out[i] as T];
      }
      return out;
    },
    fork: () => createRng(Math.floor(next() * 4294967296)),
  };
  return rng;
}
