import { toIso } from '@hourglass/events';
import type { FlagHit } from './flags';
import type { SessionState } from './state';

/**
 * Stale events (SPEC §4): they credit nothing and change no state but raise replayed_event on their
 * session. Each check returns the evidence note, or null when the event is not stale.
 */

export function staleHeartbeat(s: SessionState, seq: number, tMs: number): string | null {
  if (s.endMs !== null) return 'heartbeat after the session ended';
  if (s.lastSeq >= 0 && seq <= s.lastSeq) return `heartbeat seq ${seq} ≤ last seq ${s.lastSeq}`;
  if (tMs <= s.lastMs) return `heartbeat time ${toIso(tMs)} ≤ last timing time ${toIso(s.lastMs)}`;
  return null;
}

export function staleEnd(s: SessionState): string | null {
  return s.endMs !== null ? 'session.end after the session ended' : null;
}

export function staleStart(s: SessionState): string | null {
  return s.hadStart ? 'second session.start of the session' : null;
}

export function replayedHit(eventId: string, tMs: number, note: string): FlagHit {
  return { kind: 'replayed_event', withheldMs: 0, evidence: [{ eventId, atMs: tMs, note }] };
}
