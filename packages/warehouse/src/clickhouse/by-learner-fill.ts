import type { Segment } from '@hourglass/events';
import { sqlInStringSet } from '../sql';
import { ID_CHECK_SETTINGS } from './client-options';
import type { Connection } from './connection';

/** A stored segment found again by an insert, with its programme day (number and text). */
export interface StoredAgain {
  segment: Segment;
  dayNumber: number;
  dayText: string;
}

type Num = number | string;

/** A withheld segment as `segments` stores it (the fields of its `by_learner` row). */
interface StoredWithheld {
  segmentId: string;
  sLearner: string;
  sDay: string;
  sPlatform: string;
  sCourse: string;
  sRegion: string;
  sOccupation: string;
  sGroup: string;
  sEnd: Num;
  sDuration: Num;
  sMultiFlag: Num;
  sFlagIds: string[];
}

const KEY_COLUMNS =
  'learnerId, toUInt16(day) AS dayNumber, platformId, courseId, region, occupation, learnerGroup';
const KEY_GROUP = 'learnerId, dayNumber, platformId, courseId, region, occupation, learnerGroup';

interface KeyRow {
  learnerId: string;
  dayNumber: Num;
  platformId: string;
  courseId: string;
  region: string;
  occupation: string;
  learnerGroup: string;
}

const keyOf = (r: KeyRow): string =>
  [r.learnerId, Number(r.dayNumber), r.platformId, r.courseId, r.region, r.occupation, r.learnerGroup].join(
    '\u0000',
  );

/**
 * One segments INSERT writes the `segments` part and then, through the view, the `by_learner` part;
 * ClickHouse 18.16 keeps the first when the second is refused (found in review: a routine, retryable
 * 252 TOO_MANY_PARTS is enough). The retry then finds the rows stored and skips them, and their hours
 * were in no hours query, for good. So an insert that finds some of its rows stored already fills in
 * what `by_learner` lacks of them: a withheld segment's own row (kind 1, by its id, as `segments` stores
 * it: a copy sent again with another status is not the one kept), and for the keys of
 * the verified ones (learner, day, platform, course, region, occupation, group) the difference between
 * the distinct stored segments' time and what `by_learner` sums (kind 0, one more row that the
 * SummingMergeTree adds). Only ever adds: a `by_learner` that holds more (a segment stored twice before a
 * merge) is reconcile()'s to report.
 *
 * Runs only when stored rows were found (a retry, a replay), and inside the insert's exclusive section;
 * a learner's segments come through one partition, so no other write of the same keys is in flight.
 */
export async function fillByLearner(opts: {
  conn: Connection;
  db: string;
  stored: readonly StoredAgain[];
}): Promise<void> {
  const { conn, db, stored } = opts;
  if (stored.length === 0) return;
  const learners = [...new Set(stored.map((s) => s.segment.learnerId))];
  const dayNumbers = [...new Set(stored.map((s) => s.dayNumber))];
  const where = `${sqlInStringSet('learnerId', learners)} AND toUInt16(day) IN (${dayNumbers.join(', ')})`;
  // By the status of the stored copies, not of the copies sent again: a copy sent again may say withheld
  // where the stored one says verified, or the reverse (a detector rebuilding from the log decides
  // shared_device in another order), and the first copy is the one kept.
  const ids = stored.map((s) => s.segment.segmentId);

  const [haveWithheld, storedWithheld, expected, summed] = await Promise.all([
    conn
      .rows<{ wSegmentId: string }>(
        'fillByLearner',
        `SELECT wSegmentId FROM ${db}.by_learner WHERE kind = 1 AND ${where}
           AND ${sqlInStringSet('wSegmentId', ids)}`,
        ID_CHECK_SETTINGS,
      )
      .then((rows) => rows.map((r) => r.wSegmentId)),
    // The stored copies that are withheld. Inner names differ from the columns WHERE reads (see below).
    conn.rows<StoredWithheld>(
      'fillByLearner',
      `SELECT segmentId, any(learnerId) AS sLearner, toString(any(day)) AS sDay,
             any(platformId) AS sPlatform, any(courseId) AS sCourse, any(region) AS sRegion,
             any(occupation) AS sOccupation, any(learnerGroup) AS sGroup, any(endMs) AS sEnd,
             any(durationMs) AS sDuration, any(multiFlag) AS sMultiFlag, any(flagIds) AS sFlagIds
           FROM ${db}.segments WHERE ${where} AND status = 'withheld'
             AND ${sqlInStringSet('segmentId', ids)}
           GROUP BY segmentId`,
      ID_CHECK_SETTINGS,
    ),
    conn.rows<KeyRow & { ms: Num; n: Num }>(
      'fillByLearner',
      // Distinct segments (a copy stored twice before a merge counts once); inner names differ from
      // the columns, which WHERE reads (ClickHouse resolves an alias before a column of its name).
      `SELECT sLearner AS learnerId, sDay AS dayNumber, sPlatform AS platformId, sCourse AS courseId,
             sRegion AS region, sOccupation AS occupation, sGroup AS learnerGroup, sum(d) AS ms, count() AS n
           FROM (
             SELECT any(learnerId) AS sLearner, any(toUInt16(day)) AS sDay, any(platformId) AS sPlatform,
               any(courseId) AS sCourse, any(region) AS sRegion, any(occupation) AS sOccupation,
               any(learnerGroup) AS sGroup, any(durationMs) AS d
             FROM ${db}.segments WHERE ${where} AND status = 'verified' GROUP BY segmentId
           ) GROUP BY sLearner, sDay, sPlatform, sCourse, sRegion, sOccupation, sGroup`,
      ID_CHECK_SETTINGS,
    ),
    conn.rows<KeyRow & { ms: Num; n: Num }>(
      'fillByLearner',
      `SELECT ${KEY_COLUMNS}, sum(verifiedMs) AS ms, sum(segments) AS n
           FROM ${db}.by_learner WHERE kind = 0 AND ${where} GROUP BY ${KEY_GROUP}`,
      ID_CHECK_SETTINGS,
    ),
  ]);

  const rows: object[] = [];
  const present = new Set(haveWithheld);
  for (const s of storedWithheld) {
    if (present.has(s.segmentId)) continue;
    present.add(s.segmentId);
    rows.push({
      learnerId: s.sLearner,
      day: s.sDay,
      platformId: s.sPlatform,
      courseId: s.sCourse,
      region: s.sRegion,
      occupation: s.sOccupation,
      learnerGroup: s.sGroup,
      kind: 1,
      wSegmentId: s.segmentId,
      verifiedMs: 0,
      segments: 1,
      wEndMs: Number(s.sEnd),
      wDurationMs: Number(s.sDuration),
      wMultiFlag: Number(s.sMultiFlag),
      wFlagIds: s.sFlagIds,
    });
  }
  const have = new Map(summed.map((r) => [keyOf(r), { ms: Number(r.ms), n: Number(r.n) }]));
  const want = new Map(expected.map((r) => [keyOf(r), { ms: Number(r.ms), n: Number(r.n) }]));
  const done = new Set<string>();
  // The keys of every segment found stored: a stored verified copy counts whatever the copy sent again says.
  for (const { segment: s, dayNumber, dayText } of stored) {
    const key = keyOf({ ...s, dayNumber });
    if (done.has(key)) continue;
    done.add(key);
    const w = want.get(key);
    const h = have.get(key) ?? { ms: 0, n: 0 };
    if (w === undefined || w.ms <= h.ms) continue;
    rows.push({
      ...attributes(s, dayText),
      kind: 0,
      wSegmentId: '',
      verifiedMs: w.ms - h.ms,
      segments: Math.max(0, w.n - h.n),
      wEndMs: 0,
      wDurationMs: 0,
      wMultiFlag: 0,
      wFlagIds: [],
    });
  }
  // One insert: a table refusing inserts while it holds too many parts would refuse a second one.
  if (rows.length > 0) await conn.insert('fillByLearner', `${db}.by_learner`, rows);
}

function attributes(s: Segment, dayText: string) {
  return {
    learnerId: s.learnerId,
    day: dayText,
    platformId: s.platformId,
    courseId: s.courseId,
    region: s.region,
    occupation: s.occupation,
    learnerGroup: s.learnerGroup,
  };
}
