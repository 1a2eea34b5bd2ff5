/**
 * mulberry32: a small, fast, seedable PRNG, uniform in [0, 1). Everything that generates traffic
 * (the simulator, the benchmarks, the API's test traffic) draws from it, so the same seed gives the
 * same events on every machine and in every version; Math.random cannot be seeded.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
