import { type CertificateRecord, FLAG_KINDS } from '@hourglass/events';
import {
  checkOptionalRange,
  cmp,
  type GroupColumn,
  isBacked,
  normalizeHoursQuery,
  rejectedRate,
  share,
} from '../semantics';
import { sqlDate, sqlString } from '../sql';
import type { HoursQuery, HoursRow, LearnerTotals, PlatformSummary, ProgrammeSummary } from '../types';
import { checkId } from '../validate';
import { HOT_QUERY_SETTINGS } from './client-options';
import type { Connection } from './connection';
import { countsOnceSql } from './count-insert';
import { dayText } from './day-text';
import { effectiveRowsSql } from './effective-sql';
import { learnerParts } from './one-learner';

type Num = string | number;

/** Int64/UInt64 arrive quoted in JSON (output_format_json_quote_64bit_integers, on in every version). */
const n = (v: Num | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));

/** Statistics queries (SPEC §5): hours, one learner, the programme. */
export function createStats(opts: { conn: Connection; db: string }) {
  const { conn, db } = opts;

  const dayRange = (from?: string, to?: string): string[] => [
    ...(from === undefined ? [] : [`day >= ${sqlDate(from)}`]),
    ...(to === undefined ? [] : [`day <= ${sqlDate(to)}`]),
  ];

  /** Hours of one learner: learnerParts grouped by the requested keys, in their canonical order. */
  const oneLearnerHours = async (
    columns: readonly GroupColumn[],
    where: readonly string[],
  ): Promise<HoursRow[]> => {
    const parts = await learnerParts(conn, db, 'queryHours', [...new Set([...columns, 'learnerId'])], where);
    const rows = new Map<string, HoursRow>();
    for (const { keys, v, p, r } of parts) {
      const key = JSON.stringify(columns.map((c) => keys[c]));
      let row = rows.get(key);
      if (row === undefined) {
        row = { verifiedMs: 0, pendingMs: 0, rejectedMs: 0, learners: 0 };
        for (const c of columns) row[c] = keys[c] as string;
        rows.set(key, row);
      }
      row.verifiedMs += v;
      row.pendingMs += p;
      row.rejectedMs += r;
      // Every part is the same learner: the row has one learner iff it has verified time.
      if (row.verifiedMs > 0) row.learners = 1;
    }
    if (columns.length === 0)
      return [rows.get('[]') ?? { verifiedMs: 0, pendingMs: 0, rejectedMs: 0, learners: 0 }];
    const byKeys = (a: HoursRow, b: HoursRow): number => {
      for (const c of columns) {
        const d = cmp(String(a[c]), String(b[c]));
        if (d !== 0) return d;
      }
      return 0;
    };
    return [...rows.values()].sort(byKeys);
  };

  return {
    async queryHours(q: HoursQuery): Promise<HoursRow[]> {
      const { fromDay, toDay, columns, filters, limit } = normalizeHoursQuery(q);
      const where = [...dayRange(fromDay, toDay), ...filters.map(([c, v]) => `${c} = ${sqlString(v)}`)];
      if (filters.some(([c]) => c === 'learnerId')) {
        const rows = await oneLearnerHours(columns, where);
        return limit === null ? rows : rows.slice(0, limit);
      }
      const carry = [...new Set<string>([...columns, 'learnerId'])];
      const keys = columns.join(', ');
      const rowsSql = effectiveRowsSql({ db, columns: carry, where });
      const sql = `SELECT ${keys === '' ? '' : `${keys}, `}sum(v) AS verifiedMs, sum(p) AS pendingMs,
        sum(r) AS rejectedMs, uniqExactIf(learnerId, v > 0) AS learners
        FROM (${rowsSql})
        ${keys === '' ? '' : `GROUP BY ${keys} ORDER BY ${keys}`}
        ${limit === null ? '' : `LIMIT ${limit}`}`;
      const rows = await conn.rows<Record<string, Num>>('queryHours', sql, HOT_QUERY_SETTINGS);
      return rows.map((r) => {
        const row: HoursRow = {
          verifiedMs: n(r.verifiedMs),
          pendingMs: n(r.pendingMs),
          rejectedMs: n(r.rejectedMs),
          learners: n(r.learners),
        };
        for (const c of columns) row[c] = c === 'day' ? dayText(r[c]) : String(r[c]);
        return row;
      });
    },

    async learnerTotals(learnerId: string, fromDay?: string, toDay?: string): Promise<LearnerTotals> {
      checkId('learnerId', learnerId);
      checkOptionalRange(fromDay, toDay);
      const me = `learnerId = ${sqlString(learnerId)}`;
      // Per (platform, course): the in-range totals for `rows`, and the all-days verified time that
      // certificate backing needs.
      const certSql = `SELECT certificateId, platformId, learnerId, courseId, requiredHours, issuedAtMs, eventId
        FROM ${db}.certificates WHERE ${me}`;
      const [parts, certs] = await Promise.all([
        learnerParts(conn, db, 'learnerTotals', ['platformId', 'courseId', 'day'], [me]),
        conn.rows<Record<string, Num>>('learnerTotals', certSql, HOT_QUERY_SETTINGS),
      ]);
      const inRange = (day: string) =>
        (fromDay === undefined || day >= fromDay) && (toDay === undefined || day <= toDay);
      const byCourse = new Map<string, LearnerTotals['rows'][number] & { inRange: boolean; all: number }>();
      for (const { keys, v, p, r } of parts) {
        const key = `${keys.platformId}/${keys.courseId}`;
        let t = byCourse.get(key);
        if (t === undefined) {
          t = {
            platformId: String(keys.platformId),
            courseId: String(keys.courseId),
            verifiedMs: 0,
            pendingMs: 0,
            rejectedMs: 0,
            inRange: false,
            all: 0,
          };
          byCourse.set(key, t);
        }
        t.all += v;
        if (!inRange(String(keys.day))) continue;
        t.inRange = true;
        t.verifiedMs += v;
        t.pendingMs += p;
        t.rejectedMs += r;
      }
      const totals = [...byCourse.values()].sort(
        (a, b) => cmp(a.platformId, b.platformId) || cmp(a.courseId, b.courseId),
      );
      const onCourse = new Map<string, number>();
      for (const t of totals) onCourse.set(t.courseId, (onCourse.get(t.courseId) ?? 0) + t.all);
      const seen = new Set<string>();
      const certificates: LearnerTotals['certificates'] = [];
      for (const c of certs) {
        const key = `${c.platformId}/${c.certificateId}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const record: CertificateRecord = {
          certificateId: String(c.certificateId),
          platformId: String(c.platformId),
          learnerId: String(c.learnerId),
          courseId: String(c.courseId),
          requiredHours: Number(c.requiredHours),
          issuedAtMs: n(c.issuedAtMs),
          eventId: String(c.eventId),
        };
        const verifiedMsOnCourse = onCourse.get(record.courseId) ?? 0;
        certificates.push({
          ...record,
          verifiedMsOnCourse,
          backed: isBacked(verifiedMsOnCourse, record.requiredHours),
        });
      }
      certificates.sort(
        (a, b) =>
          a.issuedAtMs - b.issuedAtMs ||
          cmp(a.platformId, b.platformId) ||
          cmp(a.certificateId, b.certificateId),
      );
      return {
        rows: totals
          .filter((t) => t.inRange)
          .map((t) => ({
            platformId: t.platformId,
            courseId: t.courseId,
            verifiedMs: t.verifiedMs,
            pendingMs: t.pendingMs,
            rejectedMs: t.rejectedMs,
          })),
        certificates,
      };
    },

    async programme(): Promise<ProgrammeSummary> {
      const q = <T>(sql: string) => conn.rows<T>('programme', sql, HOT_QUERY_SETTINGS);
      const certified = `(learnerId, courseId) IN (SELECT learnerId, courseId FROM ${db}.certificates)`;
      const [verifiedBy, withheldBy, sessionPlatforms, covered, totals, flagged, certs, accepted, rejected] =
        await Promise.all([
          q<{ platformId: string; ms: Num }>(
            `SELECT platformId, sum(verifiedMs) AS ms FROM ${db}.by_learner WHERE kind = 0 GROUP BY platformId`,
          ),
          q<{ platformId: string; ms: Num }>(
            `SELECT platformId, sum(durationMs) AS ms FROM ${db}.segments WHERE status = 'withheld' GROUP BY platformId`,
          ),
          q<{ platformId: string }>(`SELECT DISTINCT platformId FROM ${db}.sessions`),
          q<{ occupations: Num; courses: Num }>(
            `SELECT uniqExactIf(o, o != 'unknown') AS occupations, uniqExactIf(c, c != 'unknown') AS courses
             FROM (SELECT argMax(occupation, version) AS o, argMax(courseId, version) AS c
                   FROM ${db}.sessions GROUP BY platformId, sessionId)`,
          ),
          q<{ verifiedMs: Num; learners: Num }>(
            `SELECT sum(v) AS verifiedMs, uniqExactIf(learnerId, v > 0) AS learners
             FROM (${effectiveRowsSql({ db, columns: ['learnerId'], where: [] })})`,
          ),
          q<{ kind: string; sessions: Num }>(
            `SELECT kind, uniqExact(platformId, sessionId) AS sessions FROM ${db}.flags GROUP BY kind`,
          ),
          q<{ issued: Num; backed: Num }>(
            `SELECT count() AS issued, countIf(ver / 3600000 >= requiredHours) AS backed
             FROM (
               SELECT learnerId, courseId, requiredHours FROM ${db}.certificates
               GROUP BY platformId, certificateId, learnerId, courseId, requiredHours
             ) AS c ANY LEFT JOIN (
               SELECT learnerId, courseId, sum(v) AS ver
               FROM (${effectiveRowsSql({ db, columns: ['learnerId', 'courseId'], where: [certified] })})
               GROUP BY learnerId, courseId
             ) AS e USING learnerId, courseId`,
          ),
          q<{ platformId: string; accepted: Num }>(
            `SELECT platformId, sum(a) AS accepted
             FROM (SELECT platformId, accepted AS a FROM (${countsOnceSql(db)}))
             GROUP BY platformId`,
          ),
          q<{ platformId: string; rejected: Num }>(
            `SELECT platformId, uniqExact(rowId) AS rejected FROM ${db}.rejected GROUP BY platformId`,
          ),
        ]);
      const rawVerified = new Map(verifiedBy.map((r) => [r.platformId, n(r.ms)]));
      const rawWithheld = new Map(withheldBy.map((r) => [r.platformId, n(r.ms)]));
      const acceptedBy = new Map(accepted.map((r) => [r.platformId, n(r.accepted)]));
      const rejectedBy = new Map(rejected.map((r) => [r.platformId, n(r.rejected)]));
      const active = new Set<string>([
        ...rawVerified.keys(),
        ...rawWithheld.keys(),
        ...sessionPlatforms.map((r) => r.platformId),
      ]);
      const ids = new Set<string>([...active, ...acceptedBy.keys(), ...rejectedBy.keys()]);
      const platforms: PlatformSummary[] = [...ids].sort(cmp).map((platformId) => {
        const a = acceptedBy.get(platformId) ?? 0;
        const rj = rejectedBy.get(platformId) ?? 0;
        const v = rawVerified.get(platformId) ?? 0;
        const w = rawWithheld.get(platformId) ?? 0;
        return {
          platformId,
          acceptedEvents: a,
          rejectedEvents: rj,
          rejectedRate: rejectedRate(a, rj),
          verifiedMs: v,
          withheldMs: w,
          flaggedTimeShare: share(w, v),
        };
      });
      const flaggedSessionsByKind: Record<string, number> = Object.fromEntries(FLAG_KINDS.map((k) => [k, 0]));
      for (const f of flagged) flaggedSessionsByKind[f.kind] = n(f.sessions);
      return {
        platformsActive: active.size,
        occupationsCovered: n(covered[0]?.occupations),
        coursesCovered: n(covered[0]?.courses),
        learners: n(totals[0]?.learners),
        verifiedMs: n(totals[0]?.verifiedMs),
        flaggedSessionsByKind,
        certificatesIssued: n(certs[0]?.issued),
        certificatesBacked: n(certs[0]?.backed),
        platforms,
      };
    },
  };
}
