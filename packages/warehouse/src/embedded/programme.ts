import { FLAG_KINDS, UNKNOWN } from '@hourglass/events';
import { cmp, isBacked, rejectedRate, share } from '../semantics';
import type { PlatformSummary, ProgrammeSummary } from '../types';
import type { EmbeddedStore, StoredSegment } from './store';
import { newTotals, type Totals } from './totals';

/** SPEC §5 programme summary over the embedded store (README "Programme"). */
export function programmeOf(
  store: EmbeddedStore,
  add: (t: Totals, s: StoredSegment) => void,
  verified: Map<string, number>,
): ProgrammeSummary {
  const active = new Set<string>();
  const occupations = new Set<string>();
  const courses = new Set<string>();
  for (const s of store.sessions.values()) {
    active.add(s.platformId);
    if (s.occupation !== UNKNOWN) occupations.add(s.occupation);
    if (s.courseId !== UNKNOWN) courses.add(s.courseId);
  }
  const total = newTotals();
  const raw = new Map<string, { verified: number; withheld: number }>();
  for (const s of store.segments.values()) {
    const seg = s.segment;
    active.add(seg.platformId);
    add(total, s);
    const r = raw.get(seg.platformId) ?? { verified: 0, withheld: 0 };
    if (seg.status === 'verified') r.verified += s.durationMs;
    else r.withheld += s.durationMs;
    raw.set(seg.platformId, r);
  }
  const flaggedSessionsByKind: Record<string, number> = Object.fromEntries(FLAG_KINDS.map((k) => [k, 0]));
  const sessionsByKind = new Map<string, Set<string>>();
  for (const f of store.flags.values()) {
    const set = sessionsByKind.get(f.kind) ?? new Set<string>();
    set.add(store.pairKey(f.platformId, f.sessionId));
    sessionsByKind.set(f.kind, set);
  }
  for (const [k, set] of sessionsByKind) flaggedSessionsByKind[k] = set.size;
  let certificatesBacked = 0;
  for (const c of store.certificates.values()) {
    const v = verified.get(store.pairKey(c.learnerId, c.courseId)) ?? 0;
    if (isBacked(v, c.requiredHours)) certificatesBacked++;
  }
  const accepted = new Map<string, number>();
  for (const c of store.eventCounts.values())
    accepted.set(c.platformId, (accepted.get(c.platformId) ?? 0) + c.accepted);
  const rejectedBy = new Map<string, number>();
  for (const r of store.rejected.values())
    rejectedBy.set(r.platformId, (rejectedBy.get(r.platformId) ?? 0) + 1);
  const ids = new Set<string>([...active, ...accepted.keys(), ...rejectedBy.keys()]);
  const platforms: PlatformSummary[] = [...ids].sort(cmp).map((platformId) => {
    const a = accepted.get(platformId) ?? 0;
    const rj = rejectedBy.get(platformId) ?? 0;
    const r = raw.get(platformId) ?? { verified: 0, withheld: 0 };
    return {
      platformId,
      acceptedEvents: a,
      rejectedEvents: rj,
      rejectedRate: rejectedRate(a, rj),
      verifiedMs: r.verified,
      withheldMs: r.withheld,
      flaggedTimeShare: share(r.withheld, r.verified),
    };
  });
  return {
    platformsActive: active.size,
    occupationsCovered: occupations.size,
    coursesCovered: courses.size,
    learners: total.learners.size,
    verifiedMs: total.v,
    flaggedSessionsByKind,
    certificatesIssued: store.certificates.size,
    certificatesBacked,
    platforms,
  };
}
