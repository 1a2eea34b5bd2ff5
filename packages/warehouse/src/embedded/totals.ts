/** Effective milliseconds of a group of segments, and the learners with verified time in it. */
export interface Totals {
  v: number;
  p: number;
  r: number;
  learners: Set<string>;
}

export const newTotals = (): Totals => ({ v: 0, p: 0, r: 0, learners: new Set() });
