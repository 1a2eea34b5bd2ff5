import type { FlagKind } from '@hourglass/events';

/**
 * The learner behaviours the simulator generates, each labelled with the flag kinds SPEC §4's default
 * policy must raise for it. Honest learners must raise none.
 */
export const CHEAT_SCENARIOS = [
  'idler',
  'background_tab',
  'presence_failed',
  'concurrent_devices',
  'concurrent_platforms',
  'late_upload',
  'replayed_heartbeat',
  'seeker',
  'fast_playback',
  'quiz_too_fast',
  'quiz_outside_session',
  'device_farm',
] as const;
export type CheatScenario = (typeof CHEAT_SCENARIOS)[number];
export type Scenario = 'honest' | CheatScenario;

/** Kinds that detect the scenario: a labelled cheater counts as detected with a flag of any of them. */
export const EXPECTED_KINDS: Readonly<Record<Scenario, readonly FlagKind[]>> = {
  honest: [],
  idler: ['idle'],
  background_tab: ['idle'],
  presence_failed: ['presence_failed'],
  concurrent_devices: ['concurrent_session'],
  concurrent_platforms: ['concurrent_session'],
  late_upload: ['late_report'],
  replayed_heartbeat: ['replayed_event'],
  seeker: ['seek_ahead'],
  fast_playback: ['playback_rate'],
  quiz_too_fast: ['quiz_too_fast'],
  quiz_outside_session: ['quiz_outside_session'],
  device_farm: ['shared_device'],
};

/**
 * Kinds the scenario raises as a by-product, not as its detection. Playing at 4× moves the position
 * further than 2× + tolerance, so fast playback is also seeking ahead by SPEC §4's definition.
 */
export const SIDE_KINDS: Readonly<Record<Scenario, readonly FlagKind[]>> = {
  honest: [],
  idler: [],
  background_tab: [],
  presence_failed: [],
  concurrent_devices: [],
  concurrent_platforms: [],
  late_upload: [],
  replayed_heartbeat: [],
  seeker: [],
  fast_playback: ['seek_ahead'],
  quiz_too_fast: [],
  quiz_outside_session: [],
  device_farm: [],
};

/** A device farm is one device shared by this many learner accounts (> deviceShareLimit 3). */
export const FARM_SIZE = 5;

export interface Label {
  scenario: Scenario;
  expectedKinds: FlagKind[];
  sideKinds: FlagKind[];
}

export function labelOf(scenario: Scenario): Label {
  return {
    scenario,
    expectedKinds: [...EXPECTED_KINDS[scenario]],
    sideKinds: [...SIDE_KINDS[scenario]],
  };
}

/**
 * Which cheat scenarios `count` cheaters play, cycling through the list so that small mixes still vary.
 * A farm takes FARM_SIZE learners at once and is skipped when fewer remain; the two-platform scenario
 * needs two platforms. With 16 cheaters (e.g. 80 learners at 20 %) every scenario appears once.
 */
export function planCheaters(count: number, platforms: number): CheatScenario[] {
  const cycle = CHEAT_SCENARIOS.filter((s) => platforms >= 2 || s !== 'concurrent_platforms');
  const out: CheatScenario[] = [];
  for (let i = 0; out.length < count; i++) {
    const s = cycle[i % cycle.length] as CheatScenario;
    const need = s === 'device_farm' ? FARM_SIZE : 1;
    // A farm that does not fit is skipped; the single-learner scenarios around it fill the remainder.
    if (count - out.length >= need) for (let k = 0; k < need; k++) out.push(s);
  }
  return out;
}
