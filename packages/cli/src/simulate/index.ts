/** The traffic simulator behind `hourglass simulate`. */
export { generateTraffic, MIN_MINUTES, type Traffic, type TrafficOptions } from './generate';
export {
  CHEAT_SCENARIOS,
  type CheatScenario,
  EXPECTED_KINDS,
  FARM_SIZE,
  type Label,
  planCheaters,
  type Scenario,
  SIDE_KINDS,
} from './scenarios';
export { type SimulateOptions, simulate } from './simulate';
export {
  type Detection,
  failures,
  formatSummary,
  type ScenarioResult,
  type Summary,
  scoreFlags,
} from './summary';
