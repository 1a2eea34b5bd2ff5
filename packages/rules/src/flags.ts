import { type Evidence, type FlagKind, type FlagUpdate, flagIdOf } from '@hourglass/events';
import { type FlagState, patchSession, type SessionState } from './state';
import { nextVersion } from './versions';

/** Evidence kept per flag: the most recent ones. */
export const MAX_EVIDENCE = 5;

/** One event raising or extending one flag of its session. */
export interface FlagHit {
  readonly kind: FlagKind;
  /** Withheld ms this event adds (0 for kinds that only flag). */
  readonly withheldMs: number;
  readonly evidence: readonly Evidence[];
}

/** sessionId → platformId → kind → flagId; keyed by the existing strings, so no key is built per lookup. */
const ids = new Map<string, Map<string, Map<FlagKind, string>>>();
let cached = 0;
const ID_CACHE_MAX = 50_000;

/**
 * flagIdOf hashes with SHA-256 and the same few flags are named on every window of a session; a bounded
 * memo of a pure function changes no result, only the cost.
 */
export function flagIdFor(platformId: string, sessionId: string, kind: FlagKind): string {
  let byPlatform = ids.get(sessionId);
  if (byPlatform === undefined) {
    if (cached >= ID_CACHE_MAX) {
      ids.clear();
      cached = 0;
    }
    byPlatform = new Map();
    ids.set(sessionId, byPlatform);
  }
  let byKind = byPlatform.get(platformId);
  if (byKind === undefined) {
    byKind = new Map();
    byPlatform.set(platformId, byKind);
  }
  let id = byKind.get(kind);
  if (id === undefined) {
    id = flagIdOf(platformId, sessionId, kind);
    byKind.set(kind, id);
    cached++;
  }
  return id;
}

/**
 * Applies hits to the session's flags and returns the full new state of every flag touched. firstAtMs and
 * lastAtMs are the earliest and latest event times among the flag's occurrences (events may arrive out of
 * order).
 */
export function raiseFlags(
  session: SessionState,
  learnerId: string,
  tMs: number,
  hits: readonly FlagHit[],
): { session: SessionState; updates: FlagUpdate[] } {
  if (hits.length === 0) return { session, updates: [] };
  const flags = session.flags.slice();
  const updates: FlagUpdate[] = [];
  for (const hit of hits) {
    const i = flags.findIndex((f) => f.kind === hit.kind);
    const prev = i === -1 ? undefined : flags[i];
    const evidence = prev === undefined ? [...hit.evidence] : [...prev.evidence, ...hit.evidence];
    const next: FlagState = {
      kind: hit.kind,
      firstAtMs: prev === undefined ? tMs : Math.min(prev.firstAtMs, tMs),
      lastAtMs: prev === undefined ? tMs : Math.max(prev.lastAtMs, tMs),
      occurrences: (prev?.occurrences ?? 0) + 1,
      withheldMs: (prev?.withheldMs ?? 0) + hit.withheldMs,
      version: nextVersion(prev?.version ?? 0, session.touchedMs),
      evidence: keepEvidence(evidence),
    };
    if (i === -1) flags.push(next);
    else flags[i] = next;
    updates.push(flagUpdateOf(session, learnerId, next));
  }
  return { session: patchSession(session, { flags }), updates };
}

/**
 * The first evidence (the event that raised the flag — for shared_device the list of learners on the
 * device) and the most recent ones. A supervisor needs why it was raised as much as what it does now.
 */
function keepEvidence(evidence: Evidence[]): Evidence[] {
  if (evidence.length <= MAX_EVIDENCE) return evidence;
  return [evidence[0] as Evidence, ...evidence.slice(-(MAX_EVIDENCE - 1))];
}

/** Outputs get their own copies, so a consumer that edits them cannot reach into the state. */
function copyEvidence(e: Evidence): Evidence {
  const out: Evidence = { eventId: e.eventId, atMs: e.atMs, note: e.note };
  if (e.platformId !== undefined) out.platformId = e.platformId;
  if (e.sessionId !== undefined) out.sessionId = e.sessionId;
  if (e.learnerIds !== undefined) out.learnerIds = [...e.learnerIds];
  return out;
}

export function flagUpdateOf(s: SessionState, learnerId: string, f: FlagState): FlagUpdate {
  return {
    flagId: flagIdFor(s.platformId, s.sessionId, f.kind),
    kind: f.kind,
    learnerId,
    platformId: s.platformId,
    sessionId: s.sessionId,
    firstAtMs: f.firstAtMs,
    lastAtMs: f.lastAtMs,
    occurrences: f.occurrences,
    withheldMs: f.withheldMs,
    evidence: f.evidence.map(copyEvidence),
    version: f.version,
  };
}
