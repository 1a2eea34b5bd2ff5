import type { Segment } from '@hourglass/events';

/**
 * True when two segments carry the same session attributes (learner, platform, session, course,
 * device and codes). They repeat on every segment of a session, so validation checks them once per
 * session and RowBinary encoding copies their bytes instead of writing them again.
 */
export const sameSessionAttributes = (a: Segment, b: Segment): boolean =>
  a.learnerId === b.learnerId &&
  a.platformId === b.platformId &&
  a.sessionId === b.sessionId &&
  a.courseId === b.courseId &&
  a.deviceId === b.deviceId &&
  a.occupation === b.occupation &&
  a.region === b.region &&
  a.learnerGroup === b.learnerGroup;
