import {
  type CertificateRecord,
  createDayOf,
  type DecisionRecord,
  type EventCountRecord,
  type Evidence,
  type FlagKind,
  type FlagUpdate,
  flagIdOf,
  type Segment,
  type SessionRecord,
  seededRandom,
  segmentIdOf,
  WITHHOLD_KINDS,
} from '@hourglass/events';
import type { RejectedRow, Warehouse } from '../types';
import { BASE_MS, LEARNERS, MIN, PLATFORMS, TZ, type Workload } from './workload-arbitrary';

const dayOf = createDayOf(TZ);

export interface Rows {
  segments: Segment[];
  /** Every version. */
  flags: FlagUpdate[];
  /** Every version. */
  sessions: SessionRecord[];
  certificates: CertificateRecord[];
  decisions: DecisionRecord[];
  rejected: RejectedRow[];
  counts: EventCountRecord[];
  learners: string[];
  flagIds: string[];
  sessionKeys: [string, string][];
  days: string[];
}

/** Turns a generated workload into the rows the pipeline would write. */
export function build(w: Workload): Rows {
  const segments: Segment[] = [];
  const flags: FlagUpdate[] = [];
  const sessions: SessionRecord[] = [];
  const flagVersions = new Map<string, FlagUpdate[]>();
  const seenSessions = new Set<string>();
  const sessionKeys: [string, string][] = [];
  let ev = 0;

  const raise = (
    base: { platformId: string; sessionId: string; learnerId: string },
    kind: FlagKind,
    atMs: number,
    withheldMs: number,
    note: string,
  ) => {
    const flagId = flagIdOf(base.platformId, base.sessionId, kind);
    const versions = flagVersions.get(flagId) ?? [];
    const prev = versions[versions.length - 1];
    const evidence: Evidence[] = [...(prev?.evidence ?? []), { eventId: `ev-${++ev}`, atMs, note }].slice(-5);
    const next: FlagUpdate = {
      flagId,
      kind,
      learnerId: base.learnerId,
      platformId: base.platformId,
      sessionId: base.sessionId,
      firstAtMs: prev === undefined ? atMs : Math.min(prev.firstAtMs, atMs),
      lastAtMs: prev === undefined ? atMs : Math.max(prev.lastAtMs, atMs),
      occurrences: (prev?.occurrences ?? 0) + 1,
      withheldMs: (prev?.withheldMs ?? 0) + withheldMs,
      evidence,
      version: (prev?.version ?? 0) + 1,
    };
    versions.push(next);
    flagVersions.set(flagId, versions);
    flags.push(next);
    return flagId;
  };

  for (const s of w.sessions) {
    // A session id belongs to one learner; the same id may be used on two platforms.
    const sessionId = `S-${s.sessionNo}`;
    const key = `${s.platform}/${sessionId}`;
    if (seenSessions.has(key)) continue;
    seenSessions.add(key);
    sessionKeys.push([s.platform, sessionId]);
    const startMs = BASE_MS + s.startMin * MIN + s.startSec * 1000;
    const ids = { platformId: s.platform, sessionId, learnerId: s.learner };
    const known = {
      courseId: s.course,
      deviceId: s.device,
      occupation: s.occupation,
      region: s.region,
      learnerGroup: s.group,
    } as const;
    const unknown = {
      courseId: s.course,
      deviceId: 'unknown',
      occupation: 'unknown',
      region: 'unknown',
      learnerGroup: 'unknown',
    } as const;
    let version = 0;
    const record = (attrs: typeof known | typeof unknown, endMs: number | null) =>
      sessions.push({ ...ids, ...attrs, startMs, endMs, version: ++version });
    record(s.unknownFirst > 0 ? unknown : known, null);
    let at = startMs;
    let lastStart = startMs - 1000;
    s.windows.forEach((win, i) => {
      if (i === s.unknownFirst && s.unknownFirst > 0) record(known, null);
      // Every segment of a session starts after the previous one's start (its id names the start).
      const segStart = Math.max(at + win.gapSec * 1000, lastStart + 1000);
      lastStart = segStart;
      const segEnd = segStart + win.lenSec * 1000;
      at = segEnd;
      const attrs = i < s.unknownFirst ? unknown : known;
      const kinds = WITHHOLD_KINDS.filter((k) => win.kinds.includes(k));
      const eventId = `ev-${++ev}`;
      const flagIds = kinds.map((k) => raise(ids, k, segEnd, segEnd - segStart, `window ${i}`));
      segments.push({
        segmentId: segmentIdOf(s.platform, sessionId, segStart),
        ...ids,
        ...attrs,
        startMs: segStart,
        endMs: segEnd,
        status: kinds.length > 0 ? 'withheld' : 'verified',
        kinds: [...kinds],
        flagIds,
        eventId,
      });
    });
    s.signals.forEach((k, i) => {
      raise(ids, k, startMs + (i + 1) * 17_000, 0, `signal ${k}`);
      raise(ids, k, at + i * 1000, 0, `again ${k}`);
    });
    if (s.ended) record(known, at);
  }

  // Decisions: the API decides what a supervisor saw at some version; sometimes two on one flag.
  const decisions: DecisionRecord[] = [];
  [...flagVersions.entries()].forEach(([flagId, versions], fi) => {
    const list = w.decisions[fi] ?? [];
    list.forEach((d, di) => {
      const seen = versions[d.version % versions.length] as FlagUpdate;
      const coversUntilMs = d.covers === 'lastAt' ? seen.lastAtMs : seen.lastAtMs + d.covers * 1000;
      decisions.push({
        decisionId: `dec-${fi}-${di}`,
        flagId,
        decision: d.verdict,
        note: d.note,
        by: d.by,
        atMs: seen.lastAtMs + d.afterMin * MIN,
        coversUntilMs,
      });
    });
  });

  const rawVerified = new Map<string, number>();
  for (const s of segments) {
    if (s.status !== 'verified') continue;
    const k = `${s.learnerId}/${s.courseId}`;
    rawVerified.set(k, (rawVerified.get(k) ?? 0) + s.endMs - s.startMs);
  }
  const certificates: CertificateRecord[] = w.certificates.map((c, i) => {
    const exact = (rawVerified.get(`${c.learner}/${c.course}`) ?? 0) / 3_600_000;
    return {
      certificateId: `cert-${i}`,
      platformId: c.platform,
      learnerId: c.learner,
      courseId: c.course,
      requiredHours: c.hours === 'exact' ? (exact > 0 ? exact : 0.25) : c.hours,
      issuedAtMs: BASE_MS + c.issuedMin * MIN,
      eventId: `ev-cert-${i}`,
    };
  });

  const rejected: RejectedRow[] = w.rejected.map((r, i) => ({
    rowId: `hourglass.events.rejected.v1/0/${i}`,
    platformId: r.platform,
    receivedAt: new Date(BASE_MS + i * 1000).toISOString(),
    source: i % 2 === 0 ? 'ingest' : 'replay',
    index: i,
    id: i % 3 === 0 ? null : `bad-${i}`,
    type: r.type,
    errors: [{ path: 'heartbeat.seq', code: 'too_small', message: 'seq must be ≥ 0' }],
    raw: r.raw,
    truncated: r.truncated,
  }));

  const counts: EventCountRecord[] = [];
  const days = [...new Set(segments.map((s) => dayOf(s.startMs)))].sort();
  PLATFORMS.forEach((p, pi) => {
    const mode = w.countModes[pi];
    if (mode === 'none') return;
    const n = segments.filter((s) => s.platformId === p).length;
    const first = Math.floor(n / 2);
    const second = n - first + (mode === 'off' ? 1 : 0);
    counts.push({
      countId: `b0/${p}/2026-03-01`,
      platformId: p,
      day: '2026-03-01',
      accepted: w.accepted[pi * 2] ?? 0,
      segments: first,
    });
    const c: EventCountRecord = {
      countId: `b1/${p}/2026-03-02`,
      platformId: p,
      day: '2026-03-02',
      accepted: w.accepted[pi * 2 + 1] ?? 0,
    };
    if (mode !== 'unsaid') c.segments = second;
    counts.push(c);
  });

  if (w.conflicts) {
    // Copies under the same ids with other content: a re-issued certificate, a decision recorded
    // twice with another note, a segment re-emitted with other attributes, a count and a rejected
    // row re-sent with other numbers.
    const seg = segments[0];
    if (seg !== undefined) segments.push({ ...seg, region: '999999', eventId: 'ev-conflict' });
    const cert = certificates[0];
    if (cert !== undefined)
      certificates.push({ ...cert, requiredHours: cert.requiredHours + 1, courseId: 'C1' });
    const dec = decisions[0];
    if (dec !== undefined)
      decisions.push({
        ...dec,
        decision: dec.decision === 'approve' ? 'reject' : 'approve',
        note: 'second copy',
      });
    const count = counts[0];
    if (count !== undefined) counts.push({ ...count, accepted: count.accepted + 7, segments: 0 });
    const rej = rejected[0];
    if (rej !== undefined) rejected.push({ ...rej, raw: 'other', truncated: !rej.truncated });
  }

  return {
    segments,
    flags,
    sessions,
    certificates,
    decisions,
    rejected,
    counts,
    learners: [...LEARNERS],
    flagIds: [...flagVersions.keys()],
    sessionKeys,
    days,
  };
}

/** Delivery orders are reproducible from the counterexample's seeds. */
const rng = seededRandom;

/**
 * The rows of one table as some delivery would bring them: shuffled, with a few resent. For versioned
 * rows (flags, sessions) this also delivers versions out of order.
 */
export function shuffled<T>(rows: readonly T[], rand: () => number): T[] {
  const all = [...rows];
  for (const r of rows) if (rand() < 0.2) all.push(r);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [all[i], all[j]] = [all[j] as T, all[i] as T];
  }
  return all;
}

function batches<T>(all: readonly T[], rand: () => number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < all.length; ) {
    const n = 1 + Math.floor(rand() * Math.max(1, all.length / 2));
    out.push(all.slice(i, i + n));
    i += n;
  }
  return out;
}

/** The first-copy-wins tables in one delivery order (resends included), shared by both adapters. */
export function sharedOrder(rows: Rows, seed: number) {
  const rand = rng(seed);
  return {
    segments: shuffled(rows.segments, rand),
    certificates: shuffled(rows.certificates, rand),
    decisions: shuffled(rows.decisions, rand),
    rejected: shuffled(rows.rejected, rand),
    counts: shuffled(rows.counts, rand),
  };
}

/** Writes the workload into a warehouse in batches of random size, tables in a random order. */
export async function load(
  w: Warehouse,
  rows: Rows,
  shared: ReturnType<typeof sharedOrder>,
  seed: number,
): Promise<void> {
  const rand = rng(seed);
  const tables: (() => Promise<void>)[] = [
    async () => {
      for (const b of batches(shared.segments, rand)) await w.insertSegments(b);
    },
    async () => {
      for (const b of batches(shuffled(rows.flags, rand), rand)) await w.upsertFlags(b);
    },
    async () => {
      for (const b of batches(shuffled(rows.sessions, rand), rand)) await w.upsertSessions(b);
    },
    async () => {
      for (const b of batches(shared.certificates, rand)) await w.insertCertificates(b);
    },
    async () => {
      for (const b of batches(shared.decisions, rand)) await w.insertDecisions(b);
    },
    async () => {
      for (const b of batches(shared.rejected, rand)) await w.insertRejected(b);
    },
    async () => {
      for (const b of batches(shared.counts, rand)) await w.insertEventCounts(b);
    },
  ];
  for (let i = tables.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [tables[i], tables[j]] = [tables[j] as () => Promise<void>, tables[i] as () => Promise<void>];
  }
  for (const t of tables) await t();
}
