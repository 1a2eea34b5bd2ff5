/**
 * The schema, as an ordered list of versioned migrations. Both adapters report the same names;
 * only the ClickHouse adapter has statements to run. Statements are each idempotent
 * (IF NOT EXISTS), so a migration interrupted half-way is simply run again.
 *
 * Design (README "ClickHouse tables" has the reasoning):
 * - segments: every segment once (ids checked before insert), ReplacingMergeTree so a duplicate that
 *   slipped through a race still disappears on merge. Ordered (status, multiFlag, day, learnerId,
 *   segmentId): withheld rows are clustered for the review join, and the rare multi-flag ones apart
 *   from the single-flag ones (each kind is evaluated differently); a day's rows are contiguous for
 *   the insert-time duplicate check; one learner's rows are a few index ranges.
 * - by_learner: filled by one materialized view from the very INSERT that adds the segment. Kind 0
 *   rows are verified milliseconds per (learner, day, attributes) — SummingMergeTree; sums and
 *   uniqExact are correct over unmerged parts, so the hot query needs no FINAL and reads ~100×
 *   fewer rows than segments. Kind 1 rows are the withheld segments again (~10 %), ordered by
 *   learner: one learner's rows are two index ranges instead of one per day. One view, not two:
 *   every view writes one more part per INSERT, and a second one cost ~30 % of insert throughput.
 *   Since 0005 the view sums each INSERT's kind-0 rows itself (GROUP BY), so an insert writes a
 *   few thousand by_learner rows instead of one per segment.
 * - flags, sessions: ReplacingMergeTree(version), read with argMax(…, version).
 * - certificates, decisions, rejected, event_counts: ReplacingMergeTree keyed by their id, ids
 *   checked before insert, read deduplicated (GROUP BY id).
 */
export interface Migration {
  version: number;
  name: string;
  statements(db: string): string[];
  /**
   * Columns added to existing tables, after the statements. 18.16 has no ADD COLUMN IF NOT EXISTS,
   * so the runner adds each one system.columns does not list yet (idempotent like the statements).
   */
  addColumns?: readonly { table: string; column: string; type: string }[];
}

/** by_learner fed from each insert's segments, kind-0 rows summed per key first (0005 explains why). */
const groupedView = (db: string): string =>
  `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.by_learner_grouped_mv TO ${db}.by_learner AS
      SELECT toUInt8(status = 'withheld') AS kind, learnerId, day, platformId, courseId, region,
        occupation, learnerGroup, if(status = 'withheld', segmentId, '') AS wSegmentId,
        sum(if(status = 'verified', durationMs, 0)) AS verifiedMs, count() AS segments,
        any(if(status = 'withheld', endMs, 0)) AS wEndMs,
        any(if(status = 'withheld', durationMs, 0)) AS wDurationMs,
        any(multiFlag) AS wMultiFlag, any(flagIds) AS wFlagIds
      FROM ${db}.segments
      GROUP BY kind, learnerId, day, platformId, courseId, region, occupation, learnerGroup, wSegmentId`;

/**
 * The view 0001 created before 0005 replaced it: one by_learner row per inserted segment. No migration
 * creates it any more; kept for the test that upgrades a database an earlier release made.
 */
export const legacyByLearnerView = (db: string): string =>
  `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.by_learner_mv TO ${db}.by_learner AS
      SELECT toUInt8(status = 'withheld') AS kind, learnerId, day, platformId, courseId, region,
        occupation, learnerGroup, if(status = 'withheld', segmentId, '') AS wSegmentId,
        if(status = 'verified', durationMs, 0) AS verifiedMs, toUInt64(1) AS segments,
        if(status = 'withheld', endMs, 0) AS wEndMs, if(status = 'withheld', durationMs, 0) AS wDurationMs,
        multiFlag AS wMultiFlag, flagIds AS wFlagIds
      FROM ${db}.segments`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: '0001_segments',
    statements: (db) => [
      // The programme time zone the stored `day` columns were computed in; migrate() refuses another.
      `CREATE TABLE IF NOT EXISTS ${db}.meta (key String, value String) ENGINE = ReplacingMergeTree() ORDER BY key`,
      `CREATE TABLE IF NOT EXISTS ${db}.segments (
        segmentId String, day Date, learnerId String, platformId String, sessionId String,
        courseId String, deviceId String, occupation String, region String, learnerGroup String,
        startMs Int64, endMs Int64, durationMs Int64,
        status Enum8('verified' = 1, 'withheld' = 2), multiFlag UInt8,
        kinds Array(String), flagIds Array(String), eventId String
      ) ENGINE = ReplacingMergeTree()
      PARTITION BY toYYYYMM(day)
      ORDER BY (status, multiFlag, day, learnerId, segmentId)
      SETTINGS index_granularity = 2048`,
      // kind 0: verified milliseconds per (learner, day, attributes), summed on merge (the w*
      // columns stay empty). kind 1: one withheld segment (w* columns), its key unique, so merges
      // only ever fold an identical duplicate into one row. `segments` counts the segments a row
      // stands for (1 for a withheld one): SummingMergeTree DELETES a row whose summed columns are
      // all zero, and a withheld row has verifiedMs = 0.
      `CREATE TABLE IF NOT EXISTS ${db}.by_learner (
        kind UInt8, learnerId String, day Date, platformId String, courseId String, region String,
        occupation String, learnerGroup String, wSegmentId String,
        verifiedMs Int64, segments UInt64,
        wEndMs Int64, wDurationMs Int64, wMultiFlag UInt8, wFlagIds Array(String)
      ) ENGINE = SummingMergeTree((verifiedMs, segments))
      PARTITION BY toYYYYMM(day)
      ORDER BY (kind, learnerId, day, platformId, courseId, region, occupation, learnerGroup, wSegmentId)
      SETTINGS index_granularity = 1024`,
      // Since 0005 the grouped view (see there); 0001 creates it too, so a process that runs 0001 late,
      // while another has already migrated and writes, cannot bring back the old view beside it.
      groupedView(db),
    ],
  },
  {
    version: 2,
    name: '0002_review',
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.flags (
        flagId String, kind String, learnerId String, platformId String, sessionId String,
        firstAtMs Int64, lastAtMs Int64, occurrences UInt32, withheldMs Int64,
        evidence String, version UInt64
      ) ENGINE = ReplacingMergeTree(version) ORDER BY flagId`,
      `CREATE TABLE IF NOT EXISTS ${db}.decisions (
        decisionId String, flagId String, decision Enum8('approve' = 1, 'reject' = 2),
        note String, by String, atMs Int64, coversUntilMs Int64
      ) ENGINE = ReplacingMergeTree() ORDER BY (flagId, decisionId)`,
    ],
  },
  {
    version: 3,
    name: '0003_sessions_certificates',
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.sessions (
        platformId String, sessionId String, learnerId String, courseId String, deviceId String,
        occupation String, region String, learnerGroup String,
        startMs Int64, endMs Nullable(Int64), version UInt64
      ) ENGINE = ReplacingMergeTree(version) ORDER BY (platformId, sessionId)`,
      `CREATE TABLE IF NOT EXISTS ${db}.certificates (
        certificateId String, platformId String, learnerId String, courseId String,
        requiredHours Float64, issuedAtMs Int64, eventId String
      ) ENGINE = ReplacingMergeTree() ORDER BY (learnerId, platformId, certificateId)`,
    ],
  },
  {
    version: 4,
    name: '0004_pipeline_counters',
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.rejected (
        rowId String, platformId String, receivedAt String,
        source Enum8('ingest' = 1, 'replay' = 2), eventIndex UInt32,
        id Nullable(String), type Nullable(String), errors String, raw String, truncated UInt8
      ) ENGINE = ReplacingMergeTree() ORDER BY (platformId, rowId)`,
      `CREATE TABLE IF NOT EXISTS ${db}.event_counts (
        countId String, platformId String, day Date, accepted UInt64
      ) ENGINE = ReplacingMergeTree() ORDER BY (platformId, countId)`,
    ],
  },
  {
    version: 5,
    name: '0005_by_learner_grouped_view',
    statements: (db) => [
      // The view of 0001 wrote one by_learner row per inserted segment, and the server sorted all of
      // them by nine key columns on every insert only for merges to sum them later (~0.8 µs of
      // server CPU per segment, a sixth of an insert). This one sums each insert's kind-0 rows per
      // key first: a 50k-segment insert writes a few thousand rows. Same rows after merges: kind 0
      // are the sums SummingMergeTree makes anyway; kind-1 keys hold one segment each (wSegmentId),
      // so their any() is that segment's value. Created before the old view is dropped: an insert
      // that runs between the two statements feeds both views (reconcile() reports such a learner);
      // run migrations with writers stopped to rule it out.
      groupedView(db),
      `DROP TABLE IF EXISTS ${db}.by_learner_mv`,
    ],
  },
  {
    version: 6,
    name: '0006_event_counts_segments',
    statements: () => [],
    // -1: a count written before the detector counted its segments (left out of reconcile()).
    addColumns: [{ table: 'event_counts', column: 'segments', type: 'Int64 DEFAULT -1' }],
  },
  {
    version: 7,
    name: '0007_time_zone_claims',
    statements: (db) => [
      // Every process that finds no zone claims its own and opens the database only if all claims agree.
      // A plain MergeTree keeps every claim, where meta's ReplacingMergeTree kept whichever a merge left,
      // so two processes that raced on a new database with different zones could each believe their own.
      `CREATE TABLE IF NOT EXISTS ${db}.time_zone (value String, atMs Int64) ENGINE = MergeTree ORDER BY (atMs, value)`,
    ],
  },
  {
    version: 8,
    name: '0008_event_counts_by_position',
    statements: (db) => [
      // Cumulative event counts (EventCountRecord.through), each id's copies versioned by how far they
      // count, so merges keep the furthest whatever order the copies land in. Per-batch counts written
      // before stay in event_counts (countsOnceSql reads both).
      `CREATE TABLE IF NOT EXISTS ${db}.event_counts_by_position (
        countId String, platformId String, day Date, accepted UInt64, segments Int64, through UInt64
      ) ENGINE = ReplacingMergeTree(through) ORDER BY (platformId, countId)`,
    ],
  },
];
