import { LEARNER_GROUPS, type LearnerGroup } from '@hourglass/events';
import type { Rng } from './prng';

/**
 * Plausible attributes for generated learners. Values only need to satisfy SPEC §2's patterns and look
 * like the programme's data (occupation codes of the national classification, 6-digit region codes),
 * so the statistics endpoints have something to group by.
 */
export interface Course {
  courseId: string;
  occupation: string;
}

export const COURSES: readonly Course[] = [
  { courseId: 'welding-basics', occupation: '6-18-02-04' },
  { courseId: 'elderly-care', occupation: '4-10-01-05' },
  { courseId: 'ecommerce-live-selling', occupation: '4-01-02-07' },
  { courseId: 'electrician-safety', occupation: '6-31-01-03' },
  { courseId: 'cnc-programming', occupation: '6-18-01-01' },
  { courseId: 'housekeeping', occupation: '4-10-01-06' },
  { courseId: 'chinese-pastry', occupation: '4-03-02-02' },
  { courseId: 'forklift-operation', occupation: '6-29-03-05' },
];

export const REGIONS: readonly string[] = [
  '110101',
  '310115',
  '440305',
  '510104',
  '420106',
  '610113',
  '530102',
  '650102',
];

/** Heartbeat cadences (SPEC §2 `intervalSec`) of the simulated platforms, cycled by platform index. */
const CADENCES = [30, 20, 60, 30, 45] as const;

export function cadenceOf(platformIndex: number): number {
  return CADENCES[platformIndex % CADENCES.length] ?? 30;
}

export const CLIENTS = ['web', 'android', 'ios', 'wechat-miniprogram'] as const;

export interface LearnerProfile {
  region: string;
  learnerGroup: LearnerGroup;
}

export function drawProfile(rng: Rng): LearnerProfile {
  return { region: rng.pick(REGIONS), learnerGroup: rng.pick(LEARNER_GROUPS) };
}
