import type {
  CertificateRecord,
  DecisionRecord,
  FlagUpdate,
  Segment,
  SessionRecord,
  WithholdKind,
} from '@hourglass/events';

/**
 * Literal rows for the contract suite. Programme time zone Asia/Shanghai (UTC+8): a segment that
 * starts at 2026-03-01T16:30Z belongs to day 2026-03-02. All durations are whole minutes.
 */
export const TZ = 'Asia/Shanghai';
export const MIN = 60_000;
export const at = (iso: string): number => Date.parse(iso);

export const SESSIONS: Record<string, SessionRecord> = {
  S1: {
    platformId: 'alpha',
    sessionId: 'S1',
    learnerId: 'L1',
    courseId: 'C1',
    deviceId: 'D1',
    occupation: '4-01-02',
    region: '110101',
    learnerGroup: 'graduate',
    startMs: at('2026-03-01T01:00:00Z'),
    endMs: null,
    version: 1,
  },
  S2: {
    platformId: 'beta',
    sessionId: 'S2',
    learnerId: 'L1',
    courseId: 'C1',
    deviceId: 'D2',
    occupation: '4-01-02',
    region: '110101',
    learnerGroup: 'graduate',
    startMs: at('2026-03-02T02:00:00Z'),
    endMs: at('2026-03-02T02:40:00Z'),
    version: 3,
  },
  S3: {
    platformId: 'alpha',
    sessionId: 'S3',
    learnerId: 'L2',
    courseId: 'C2',
    deviceId: 'D3',
    occupation: '6-02',
    region: '310000',
    learnerGroup: 'migrant_worker',
    startMs: at('2026-03-02T03:00:00Z'),
    endMs: null,
    version: 2,
  },
  S4: {
    platformId: 'beta',
    sessionId: 'S4',
    learnerId: 'L3',
    courseId: 'C2',
    deviceId: 'D4',
    occupation: 'unknown',
    region: 'unknown',
    learnerGroup: 'unknown',
    startMs: at('2026-02-28T15:59:00Z'),
    endMs: null,
    version: 1,
  },
};

export function segment(
  segmentId: string,
  sessionId: keyof typeof SESSIONS,
  startIso: string,
  minutes: number,
  withheld?: { kinds: WithholdKind[]; flagIds: string[] },
): Segment {
  const s = SESSIONS[sessionId] as SessionRecord;
  const startMs = at(startIso);
  return {
    segmentId,
    learnerId: s.learnerId,
    platformId: s.platformId,
    sessionId: s.sessionId,
    courseId: s.courseId,
    deviceId: s.deviceId,
    occupation: s.occupation,
    region: s.region,
    learnerGroup: s.learnerGroup,
    startMs,
    endMs: startMs + minutes * MIN,
    status: withheld ? 'withheld' : 'verified',
    kinds: withheld?.kinds ?? [],
    flagIds: withheld?.flagIds ?? [],
    eventId: `e-${segmentId}`,
  };
}

/** Days (local): s1, s2 → 03-01; s3, s4, s5, s6, s9 → 03-02; s7 → 03-03; s8 → 02-28. */
export const SEGMENTS: Segment[] = [
  segment('s1', 'S1', '2026-03-01T01:00:00Z', 30),
  segment('s2', 'S1', '2026-03-01T15:30:00Z', 20), // 23:30 local: still 03-01
  segment('s3', 'S1', '2026-03-01T16:30:00Z', 10, { kinds: ['idle'], flagIds: ['flag-a'] }), // 00:30 local 03-02
  segment('s4', 'S2', '2026-03-02T02:00:00Z', 40),
  segment('s5', 'S3', '2026-03-02T03:00:00Z', 15),
  segment('s6', 'S3', '2026-03-02T03:15:00Z', 5, { kinds: ['late_report'], flagIds: ['flag-b'] }),
  segment('s7', 'S4', '2026-03-03T04:00:00Z', 60),
  segment('s8', 'S4', '2026-02-28T15:59:00Z', 1), // 23:59 local 02-28
  segment('s9', 'S3', '2026-03-02T04:00:00Z', 6, {
    kinds: ['concurrent_session', 'late_report'],
    flagIds: ['flag-c', 'flag-b'],
  }),
];

export function flag(
  flagId: string,
  kind: FlagUpdate['kind'],
  sessionId: keyof typeof SESSIONS,
  firstIso: string,
  lastIso: string,
  withheldMinutes: number,
  version = 1,
): FlagUpdate {
  const s = SESSIONS[sessionId] as SessionRecord;
  return {
    flagId,
    kind,
    learnerId: s.learnerId,
    platformId: s.platformId,
    sessionId: s.sessionId,
    firstAtMs: at(firstIso),
    lastAtMs: at(lastIso),
    occurrences: 1,
    withheldMs: withheldMinutes * MIN,
    evidence: [{ eventId: `ev-${flagId}`, atMs: at(firstIso), note: `why ${flagId} 'quoted' \\ \u00e9` }],
    version,
  };
}

export const FLAGS: FlagUpdate[] = [
  flag('flag-a', 'idle', 'S1', '2026-03-01T16:30:00Z', '2026-03-01T16:40:00Z', 10),
  flag('flag-b', 'late_report', 'S3', '2026-03-02T03:15:00Z', '2026-03-02T04:06:00Z', 11, 2),
  flag('flag-c', 'concurrent_session', 'S3', '2026-03-02T04:00:00Z', '2026-03-02T04:06:00Z', 6),
  flag('flag-d', 'seek_ahead', 'S4', '2026-03-03T04:10:00Z', '2026-03-03T04:10:00Z', 0),
];

export function decision(
  decisionId: string,
  flagId: string,
  verdict: 'approve' | 'reject',
  atIso: string,
  coversUntilIso: string,
): DecisionRecord {
  return {
    decisionId,
    flagId,
    decision: verdict,
    note: `note for ${decisionId}: it's "fine"\n`,
    by: 'wang.li',
    atMs: at(atIso),
    coversUntilMs: at(coversUntilIso),
  };
}

export const CERTIFICATES: CertificateRecord[] = [
  {
    certificateId: 'cert-1',
    platformId: 'alpha',
    learnerId: 'L1',
    courseId: 'C1',
    requiredHours: 1.5, // 90 min: L1 has exactly 90 verified minutes on C1 → backed
    issuedAtMs: at('2026-03-03T00:00:00Z'),
    eventId: 'e-cert-1',
  },
  {
    certificateId: 'cert-2',
    platformId: 'beta',
    learnerId: 'L1',
    courseId: 'C1',
    requiredHours: 1.6, // 96 min → unbacked until flag-a (10 min on C1) is approved
    issuedAtMs: at('2026-03-03T01:00:00Z'),
    eventId: 'e-cert-2',
  },
];

/** Loads the base fixture (segments, flags, sessions, certificates) into a warehouse. */
export async function loadBase(w: {
  insertSegments(r: Segment[]): Promise<void>;
  upsertFlags(r: FlagUpdate[]): Promise<void>;
  upsertSessions(r: SessionRecord[]): Promise<void>;
  insertCertificates(r: CertificateRecord[]): Promise<void>;
}): Promise<void> {
  await w.insertSegments(SEGMENTS);
  await w.upsertFlags(FLAGS);
  await w.upsertSessions(Object.values(SESSIONS));
  await w.insertCertificates(CERTIFICATES);
}
