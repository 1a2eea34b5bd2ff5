import { toIso } from '@hourglass/events';

/**
 * The warehouse counts milliseconds; the API reports hours = seconds / 3600 as plain numbers, not
 * rounded (SPEC §4), so sums across rows match the total up to floating-point addition. Where the
 * configuration sets `classHourMinutes` (45 in many provinces) the same figures are also given in
 * class hours under `<name>ClassHours`.
 */
export const MS_PER_HOUR = 3_600_000;

export function hoursOf(ms: number): number {
  return ms / MS_PER_HOUR;
}

export function createHoursRenderer(options: { classHourMinutes: number | undefined }) {
  const { classHourMinutes } = options;
  const msPerClassHour = classHourMinutes ? classHourMinutes * 60_000 : undefined;
  return {
    classHours: msPerClassHour !== undefined,
    /** `{verifiedHours, pendingHours, …}` and, if configured, `{verifiedClassHours, …}` for each name. */
    render<N extends string>(ms: Record<N, number>): Record<string, number> {
      const out: Record<string, number> = {};
      for (const [name, value] of Object.entries(ms) as [N, number][])
        out[`${name}Hours`] = value / MS_PER_HOUR;
      if (msPerClassHour !== undefined) {
        for (const [name, value] of Object.entries(ms) as [N, number][]) {
          out[`${name}ClassHours`] = value / msPerClassHour;
        }
      }
      return out;
    },
    /** Column names matching `render`, for CSV headers. */
    columns(names: readonly string[]): string[] {
      const cols = names.map((n) => `${n}Hours`);
      return msPerClassHour === undefined ? cols : [...cols, ...names.map((n) => `${n}ClassHours`)];
    },
  };
}
export type HoursRenderer = ReturnType<typeof createHoursRenderer>;

export function isoOrNull(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : toIso(ms);
}
