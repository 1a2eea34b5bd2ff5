import { type AcceptedEvent, type FlagKind, parseTimestamp } from '@hourglass/events';
import type { FlagLite, Hours } from './results';
import { CHEAT_SCENARIOS, type Label, type Scenario } from './scenarios';
import type { SendCounts } from './send';

export interface ScenarioResult {
  learners: number;
  /** Cheaters with a flag of an expected kind; for `honest`, learners with any flag at all. */
  detected: number;
  /** detected / learners (for `honest` that is the false-alarm rate). */
  rate: number;
  expectedKinds: FlagKind[];
  /** How many of the scenario's learners have a flag of each kind. */
  kinds: Record<string, number>;
}

export interface HoursSummary {
  /** Session time of the honest learners as generated (start to end): what they really studied. */
  honestStudied: number;
  honestVerified: number;
  cheatersVerified: number;
  pending: number;
  rejected: number;
}

export interface Detection {
  cheaters: number;
  detected: number;
  /** detected / cheaters; 1 when there are no cheaters (nothing was missed). */
  recall: number;
  honest: number;
  falselyFlagged: number;
  /** falselyFlagged / honest; 0 when there are no honest learners. */
  falseAlarmRate: number;
  byScenario: Partial<Record<Scenario, ScenarioResult>>;
  /** Flags on the simulated learners (flags of other learners on the server are ignored). */
  flags: number;
}

export interface Summary extends Detection, SendCounts {
  mode: 'live' | 'replay';
  /** False if the pipeline did not report caught up in time: the figures may be incomplete. */
  caughtUp: boolean;
  hours?: HoursSummary;
  elapsedMs: number;
}

/**
 * Why a run failed, or [] when it passed. The expected figures come from the generator, not from the
 * system under test: honest learners study within every rule, so SPEC §4 must verify all of their time,
 * no more and no less (to 1e-6 h, floating-point addition); every cheater must be flagged with one of
 * its expected kinds and no honest learner at all; and the pipeline must have caught up, or the figures
 * read were not the final ones.
 */
export function failures(s: Summary): string[] {
  const out: string[] = [];
  if (!s.caughtUp) out.push('the pipeline had not caught up');
  if (s.detected < s.cheaters) out.push(`${s.cheaters - s.detected} of ${s.cheaters} cheaters not flagged`);
  if (s.falselyFlagged > 0) out.push(`${s.falselyFlagged} honest learners flagged`);
  if (s.hours === undefined) out.push('the hours could not be read');
  else if (Math.abs(s.hours.honestVerified - s.hours.honestStudied) > 1e-6)
    out.push(`honest verified ${s.hours.honestVerified} h of ${s.hours.honestStudied} h studied`);
  return out;
}

/** Scores flags against the labels: a cheater is detected by a flag of one of its expected kinds. */
export function scoreFlags(labels: ReadonlyMap<string, Label>, flags: readonly FlagLite[]): Detection {
  const kindsOf = new Map<string, Set<string>>();
  let ours = 0;
  const raise = (learnerId: string, kind: string) => {
    const set = kindsOf.get(learnerId) ?? new Set<string>();
    set.add(kind);
    kindsOf.set(learnerId, set);
  };
  for (const f of flags) {
    if (!labels.has(f.learnerId)) continue;
    ours += 1;
    raise(f.learnerId, f.kind);
    // Which sessions past the device limit get flagged depends on processing order (SPEC §4);
    // every flag names the learners on the device, so a supervisor sees the whole farm from any one.
    if (f.kind === 'shared_device') {
      for (const e of f.evidence ?? [])
        for (const l of e.learnerIds ?? []) if (labels.has(l)) raise(l, f.kind);
    }
  }
  const byScenario: Partial<Record<Scenario, ScenarioResult>> = {};
  let cheaters = 0;
  let detected = 0;
  let honest = 0;
  let falselyFlagged = 0;
  for (const [learnerId, label] of labels) {
    const kinds = kindsOf.get(learnerId) ?? new Set<string>();
    let row = byScenario[label.scenario];
    if (!row) {
      row = { learners: 0, detected: 0, rate: 0, expectedKinds: [...label.expectedKinds], kinds: {} };
      byScenario[label.scenario] = row;
    }
    row.learners += 1;
    for (const k of kinds) row.kinds[k] = (row.kinds[k] ?? 0) + 1;
    if (label.scenario === 'honest') {
      honest += 1;
      if (kinds.size > 0) {
        falselyFlagged += 1;
        row.detected += 1;
      }
    } else {
      cheaters += 1;
      if (label.expectedKinds.some((k) => kinds.has(k))) {
        detected += 1;
        row.detected += 1;
      }
    }
  }
  for (const row of Object.values(byScenario))
    row.rate = row.learners === 0 ? 0 : row.detected / row.learners;
  return {
    cheaters,
    detected,
    recall: cheaters === 0 ? 1 : detected / cheaters,
    honest,
    falselyFlagged,
    falseAlarmRate: honest === 0 ? 0 : falselyFlagged / honest,
    byScenario,
    flags: ours,
  };
}

/** Generated session time (session.start to session.end) of the honest learners, in hours. */
export function honestStudiedHours(
  events: readonly AcceptedEvent[],
  labels: ReadonlyMap<string, Label>,
): number {
  const starts = new Map<string, number>();
  let ms = 0;
  for (const e of events) {
    if (labels.get(e.learnerId)?.scenario !== 'honest') continue;
    const key = `${e.platformId}\u0000${e.sessionId}`;
    const t = parseTimestamp(e.time) ?? 0;
    if (e.type === 'session.start') starts.set(key, t);
    else if (e.type === 'session.end') ms += t - (starts.get(key) ?? t);
  }
  return ms / 3_600_000;
}

export function summarizeHours(
  hours: ReadonlyMap<string, Hours>,
  labels: ReadonlyMap<string, Label>,
  honestStudied: number,
): HoursSummary {
  const out: HoursSummary = {
    honestStudied,
    honestVerified: 0,
    cheatersVerified: 0,
    pending: 0,
    rejected: 0,
  };
  for (const [learnerId, h] of hours) {
    if (labels.get(learnerId)?.scenario === 'honest') out.honestVerified += h.verifiedHours;
    else out.cheatersVerified += h.verifiedHours;
    out.pending += h.pendingHours;
    out.rejected += h.rejectedHours;
  }
  return out;
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** The summary as a plain-text table (scenario rows, then totals). */
export function formatSummary(s: Summary): string {
  const header = ['scenario', 'learners', 'detected', 'rate', 'expected kinds', 'kinds raised (learners)'];
  const rows: string[][] = [];
  for (const scenario of ['honest', ...CHEAT_SCENARIOS] as const) {
    const r = s.byScenario[scenario];
    if (!r) continue;
    const raised = Object.entries(r.kinds)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    rows.push([
      scenario,
      String(r.learners),
      scenario === 'honest' ? `${r.detected} flagged` : String(r.detected),
      pct(r.rate),
      r.expectedKinds.join(', ') || '(none)',
      raised || '-',
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 || i === 2 || i === 3 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const lines = [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt), ''];
  lines.push(`events        sent ${s.sent}, accepted ${s.accepted}, rejected ${s.rejected} (${s.mode} mode)`);
  const codes = Object.entries(s.rejectionCodes);
  if (codes.length > 0) lines.push(`rejected      ${codes.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  for (const sample of s.rejectionSamples) lines.push(`              e.g. ${sample}`);
  lines.push(
    `recall        ${s.detected}/${s.cheaters} cheaters flagged with an expected kind = ${pct(s.recall)}`,
  );
  lines.push(
    `false alarms  ${s.falselyFlagged}/${s.honest} honest learners flagged = ${pct(s.falseAlarmRate)}`,
  );
  if (s.hours) {
    const h = s.hours;
    lines.push(
      `hours         honest verified ${h.honestVerified.toFixed(2)} of ${h.honestStudied.toFixed(2)} studied; ` +
        `cheaters verified ${h.cheatersVerified.toFixed(2)}; pending ${h.pending.toFixed(2)}; rejected ${h.rejected.toFixed(2)}`,
    );
  }
  if (!s.caughtUp)
    lines.push('warning       the pipeline had not caught up when flags were read: figures may be low');
  lines.push(`took          ${(s.elapsedMs / 1000).toFixed(1)} s`);
  const failed = failures(s);
  lines.push(failed.length === 0 ? 'result        passed' : `result        FAILED: ${failed.join('; ')}`);
  return `${lines.join('\n')}\n`;
}
