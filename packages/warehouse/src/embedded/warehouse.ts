import { WarehouseError } from '../errors';
import { MIGRATIONS } from '../migrations';
import { type EmittedSegments, segmentsByPlatform } from '../segment-reconciliation';
import {
  checkOptionalRange,
  cmp,
  compareFlagsDesc,
  encodeCursor,
  flagView,
  isBacked,
  normalizeHoursQuery,
  normalizeListFlags,
} from '../semantics';
import type { FlagView, HoursRow, SegmentView, Warehouse } from '../types';
import { checkId, checkPlatform } from '../validate';
import { programmeOf } from './programme';
import { createEmbeddedStore, type StoredSegment } from './store';
import { newTotals, type Totals } from './totals';

/**
 * The in-memory warehouse: the reference semantics (README "Semantics"), written as plainly as
 * possible. Every query scans the stored rows; it is meant for development, tests and small
 * evaluations, not for millions of segments.
 */
export function createEmbeddedWarehouse(opts: { timeZone: string }): Warehouse {
  const store = createEmbeddedStore({ timeZone: opts.timeZone });
  let migrated = false;
  let closed = false;

  const open = (op: string): void => {
    if (closed) throw new WarehouseError('closed', `${op}: warehouse is closed`);
  };

  /** Adds one segment's effective time to a totals bucket. */
  const add = (t: Totals, s: StoredSegment): void => {
    const eff = store.effectiveOf(s.segment);
    if (eff === 'verified') {
      t.v += s.durationMs;
      if (s.durationMs > 0) t.learners.add(s.segment.learnerId);
    } else if (eff === 'pending') t.p += s.durationMs;
    else t.r += s.durationMs;
  };

  const inRange = (day: string, from?: string, to?: string): boolean =>
    (from === undefined || day >= from) && (to === undefined || day <= to);

  const viewOf = (flagId: string): FlagView | null => {
    const flag = store.flags.get(flagId);
    return flag === undefined ? null : structuredClone(flagView(flag, store.decisionsOf(flagId)));
  };

  /** Effective verified ms per learner+course over all days. */
  const verifiedByLearnerCourse = (): Map<string, number> => {
    const out = new Map<string, number>();
    for (const s of store.segments.values()) {
      if (store.effectiveOf(s.segment) !== 'verified') continue;
      const k = store.pairKey(s.segment.learnerId, s.segment.courseId);
      out.set(k, (out.get(k) ?? 0) + s.durationMs);
    }
    return out;
  };

  return {
    kind: 'embedded',

    async migrate() {
      open('migrate');
      if (migrated) return { applied: [] };
      migrated = true;
      return { applied: MIGRATIONS.map((m) => m.name) };
    },

    async insertSegments(rows) {
      open('insertSegments');
      store.insertSegments(rows);
    },
    async upsertFlags(rows) {
      open('upsertFlags');
      store.upsertFlags(rows);
    },
    async upsertSessions(rows) {
      open('upsertSessions');
      store.upsertSessions(rows);
    },
    async insertCertificates(rows) {
      open('insertCertificates');
      store.insertCertificates(rows);
    },
    async insertDecisions(rows) {
      open('insertDecisions');
      store.insertDecisions(rows);
    },
    async insertRejected(rows) {
      open('insertRejected');
      store.insertRejected(rows);
    },
    async insertEventCounts(rows) {
      open('insertEventCounts');
      store.insertEventCounts(rows);
    },

    async queryHours(q) {
      open('queryHours');
      const { fromDay, toDay, columns, filters, limit } = normalizeHoursQuery(q);
      const groups = new Map<string, { keys: string[]; t: Totals }>();
      for (const s of store.segments.values()) {
        if (s.day < fromDay || s.day > toDay) continue;
        const seg = s.segment;
        if (!filters.every(([col, value]) => seg[col] === value)) continue;
        const keys = columns.map((c) => (c === 'day' ? s.day : seg[c]));
        const k = keys.join('\u0000');
        let g = groups.get(k);
        if (g === undefined) {
          g = { keys, t: newTotals() };
          groups.set(k, g);
        }
        add(g.t, s);
      }
      if (columns.length === 0 && groups.size === 0) groups.set('', { keys: [], t: newTotals() });
      const all = [...groups.values()].sort((a, b) => {
        for (let i = 0; i < a.keys.length; i++) {
          const c = cmp(a.keys[i] as string, b.keys[i] as string);
          if (c !== 0) return c;
        }
        return 0;
      });
      const sorted = limit === null ? all : all.slice(0, limit);
      return sorted.map(({ keys, t }) => {
        const row: HoursRow = { verifiedMs: t.v, pendingMs: t.p, rejectedMs: t.r, learners: t.learners.size };
        columns.forEach((c, i) => {
          row[c] = keys[i] as string;
        });
        return row;
      });
    },

    async learnerTotals(learnerId, fromDay, toDay) {
      open('learnerTotals');
      checkId('learnerId', learnerId);
      checkOptionalRange(fromDay, toDay);
      const byPair = new Map<string, { platformId: string; courseId: string; t: Totals }>();
      const verifiedOnCourse = new Map<string, number>();
      for (const s of store.segments.values()) {
        const seg = s.segment;
        if (seg.learnerId !== learnerId) continue;
        if (store.effectiveOf(seg) === 'verified') {
          verifiedOnCourse.set(seg.courseId, (verifiedOnCourse.get(seg.courseId) ?? 0) + s.durationMs);
        }
        if (!inRange(s.day, fromDay, toDay)) continue;
        const k = store.pairKey(seg.platformId, seg.courseId);
        let e = byPair.get(k);
        if (e === undefined) {
          e = { platformId: seg.platformId, courseId: seg.courseId, t: newTotals() };
          byPair.set(k, e);
        }
        add(e.t, s);
      }
      const rows = [...byPair.values()]
        .sort((a, b) => cmp(a.platformId, b.platformId) || cmp(a.courseId, b.courseId))
        .map(({ platformId, courseId, t }) => ({
          platformId,
          courseId,
          verifiedMs: t.v,
          pendingMs: t.p,
          rejectedMs: t.r,
        }));
      const certificates = [...store.certificates.values()]
        .filter((c) => c.learnerId === learnerId)
        .sort(
          (a, b) =>
            a.issuedAtMs - b.issuedAtMs ||
            cmp(a.platformId, b.platformId) ||
            cmp(a.certificateId, b.certificateId),
        )
        .map((c) => {
          const verifiedMsOnCourse = verifiedOnCourse.get(c.courseId) ?? 0;
          return {
            ...structuredClone(c),
            verifiedMsOnCourse,
            backed: isBacked(verifiedMsOnCourse, c.requiredHours),
          };
        });
      return { rows, certificates };
    },

    async programme() {
      open('programme');
      return programmeOf(store, add, verifiedByLearnerCourse());
    },

    async listFlags(q) {
      open('listFlags');
      const n = normalizeListFlags(q);
      const scope = n.scope === '*' ? null : new Set(n.scope);
      const matching: FlagView[] = [];
      for (const f of store.flags.values()) {
        if (scope !== null && !scope.has(f.platformId)) continue;
        if (n.kind !== undefined && f.kind !== n.kind) continue;
        if (n.platformId !== undefined && f.platformId !== n.platformId) continue;
        if (n.learnerId !== undefined && f.learnerId !== n.learnerId) continue;
        const after = n.after;
        if (after !== undefined && compareFlagsDesc(f, { ...f, ...after }) <= 0) continue;
        const view = flagView(f, store.decisionsOf(f.flagId));
        if (n.status !== undefined && view.status !== n.status) continue;
        matching.push(view);
      }
      matching.sort(compareFlagsDesc);
      const page = matching.slice(0, n.limit);
      const last = page[page.length - 1];
      const nextCursor =
        matching.length > n.limit && last !== undefined ? encodeCursor(last.firstAtMs, last.flagId) : null;
      return { flags: structuredClone(page), nextCursor };
    },

    async getFlag(flagId) {
      open('getFlag');
      checkId('flagId', flagId);
      return viewOf(flagId);
    },

    async getSession(platformId, sessionId) {
      open('getSession');
      checkPlatform('platformId', platformId);
      checkId('sessionId', sessionId);
      const session = store.sessions.get(store.pairKey(platformId, sessionId)) ?? null;
      const segments: SegmentView[] = [];
      for (const s of store.segments.values()) {
        const seg = s.segment;
        if (seg.platformId !== platformId || seg.sessionId !== sessionId) continue;
        // The learner of the session's latest record, as on ClickHouse (a session id reused for another
        // learner shows that learner's segments).
        if (session !== null && seg.learnerId !== session.learnerId) continue;
        segments.push({ ...structuredClone(seg), day: s.day, effective: store.effectiveOf(seg) });
      }
      segments.sort((a, b) => a.startMs - b.startMs || cmp(a.segmentId, b.segmentId));
      const flags: FlagView[] = [];
      for (const f of store.flags.values()) {
        if (f.platformId !== platformId || f.sessionId !== sessionId) continue;
        const v = viewOf(f.flagId);
        if (v !== null) flags.push(v);
      }
      flags.sort((a, b) => a.firstAtMs - b.firstAtMs || cmp(a.flagId, b.flagId));
      if (session === null && segments.length === 0 && flags.length === 0) return null;
      return { session: structuredClone(session), segments, flags };
    },

    async ping() {
      open('ping');
    },

    async counts() {
      open('counts');
      return {
        segments: store.segments.size,
        flags: store.flags.size,
        decisions: store.decisions.size,
        rejected: store.rejected.size,
      };
    },

    async reconcile() {
      open('reconcile');
      // A Map cannot hold an id twice; the learner check re-derives totals the way queries do.
      const effective = new Map<string, number>();
      const raw = new Map<string, number>();
      for (const s of store.segments.values()) {
        const id = s.segment.learnerId;
        const t = newTotals();
        add(t, s);
        effective.set(id, (effective.get(id) ?? 0) + t.v + t.p + t.r);
        raw.set(id, (raw.get(id) ?? 0) + s.durationMs);
      }
      const mismatchedLearners = [...raw.keys()].filter((id) => raw.get(id) !== effective.get(id)).sort(cmp);
      const emitted = new Map<string, EmittedSegments>();
      for (const c of store.eventCounts.values()) {
        const e = emitted.get(c.platformId) ?? { platformId: c.platformId, emitted: 0, complete: true };
        if (c.segments === undefined) e.complete = false;
        else e.emitted += c.segments;
        emitted.set(c.platformId, e);
      }
      const stored = new Map<string, number>();
      for (const s of store.segments.values()) {
        stored.set(s.segment.platformId, (stored.get(s.segment.platformId) ?? 0) + 1);
      }
      return {
        duplicateSegmentIds: 0,
        mismatchedLearners,
        segmentsByPlatform: segmentsByPlatform(emitted.values(), stored),
      };
    },

    async close() {
      closed = true;
    },
  };
}
