/**
 * Seconds as whole microseconds, for the comparisons SPEC §4 states in decimal seconds (media advance,
 * seek allowance, quiz duration). Positions and durations arrive as decimal JSON numbers, and binary
 * doubles would let the rounding noise decide: 16.4 − 1.4 is 14.999999999999998, so an advance of exactly
 * half the window would fall short, and 32.02 − 7.02 = 25.000000000000004 would be "more than" 25.
 * Rounded to µs first, the integers subtract and compare exactly; nothing finer than 1 µs is meant.
 */
export function micros(sec: number): number {
  return Math.round(sec * 1e6);
}

/**
 * How far a position moved, `to − from` seconds, in whole µs. Past ~1.8e302 s micros() is Infinity and
 * Infinity − Infinity is NaN, which compares false both ways (a still position would be a seek, playing
 * media no activity); there the plain difference is exact enough, since µs noise is far below it.
 */
export function advanceMicros(to: number, from: number): number {
  const us = micros(to) - micros(from);
  return Number.isNaN(us) ? (to - from) * 1e6 : us;
}
