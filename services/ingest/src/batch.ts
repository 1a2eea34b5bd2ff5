import {
  type FastContext,
  type FieldError,
  fastValidate,
  knownEventType,
  PLATFORM_ID,
  parseTimestamp,
  type ValidationContext,
  type ValidationResult,
  validateEvent,
} from '@hourglass/events';
import type { OutgoingRecord } from '@hourglass/log';
import type { ParsedBody } from './body';
import { acceptedEventJson } from './event-json';
import { withoutSecretInExt } from './ext-secret';
import { boundErrors, rejectedRecord } from './rejected';

export interface EventErrors {
  index: number;
  id: string | null;
  errors: FieldError[];
}

export interface BatchRequest {
  body: ParsedBody;
  source: 'ingest' | 'replay';
  /** Ingest: the token's platform (events must carry it). Replay: absent, any platform. */
  platformId?: string;
  /** Server clock at receipt. Ingest stamps it; replay uses it only for rejected events without a valid receivedAt. */
  receivedAtMs: number;
  topics: { events: string; rejected: string };
  /** Platforms known to the configuration: bounds the cardinality of metric labels on replay. */
  knownPlatforms: ReadonlySet<string>;
  /** The request's bearer token: redacted from the raw text of rejected events and from accepted events' ext. */
  secret?: string;
}

export interface BatchOutcome {
  records: OutgoingRecord[];
  accepted: number;
  rejected: number;
  errors: EventErrors[];
  /** Event counts keyed by `platform\u0000type\u0000outcome` (outcome accepted|rejected), for metrics. */
  eventCounts: Map<string, number>;
  /** Rejection counts keyed by `platform\u0000code`. */
  codeCounts: Map<string, number>;
}

/**
 * A validator bug on one odd event must not turn the whole request into a 500 that the platform retries
 * forever: that event is rejected (and kept on the rejected topic) instead.
 */
function safeValidate(value: unknown, ctx: ValidationContext): ValidationResult {
  try {
    return validateEvent(value, ctx);
  } catch (err) {
    const message = `could not validate: ${err instanceof Error ? err.message : String(err)}`.slice(0, 200);
    return { ok: false, id: null, errors: [{ path: '', code: 'internal_error', message }] };
  }
}

function bump(m: Map<string, number>, key: string, n = 1): void {
  m.set(key, (m.get(key) ?? 0) + n);
}

/**
 * Validates every event of a request and builds the records to append: accepted events (keyed by
 * learnerId, so a learner's events stay in one partition, in order) and rejected ones with their reasons
 * (keyed by platform). Pure: no I/O, so the caller decides what happens if the append fails.
 */
export function processBatch(req: BatchRequest): BatchOutcome {
  const { body, source, topics } = req;
  const { values } = body;
  const ctx: ValidationContext =
    req.platformId === undefined ? {} : { platformId: req.platformId, receivedAtMs: req.receivedAtMs };
  const receiptIso = new Date(req.receivedAtMs).toISOString();
  const fastCtx: FastContext =
    req.platformId === undefined
      ? {}
      : { platformId: req.platformId, receivedAtMs: req.receivedAtMs, receivedAtIso: receiptIso };
  const records: OutgoingRecord[] = [];
  const errors: EventErrors[] = [];
  const eventCounts = new Map<string, number>();
  const codeCounts = new Map<string, number>();
  // Per-request tallies keyed by type only while the platform is fixed (ingest): cheaper than a
  // composite key per event on the hot path.
  const acceptedByType = new Map<string, number>();
  let accepted = 0;

  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    // Most events are valid: the fast path accepts them; anything it is unsure of gets the full validation.
    const fast = fastValidate(value, fastCtx);
    if (fast !== null && req.platformId !== undefined) {
      accepted++;
      const kept = withoutSecretInExt(fast, req.secret);
      records.push({ topic: topics.events, key: kept.learnerId, value: acceptedEventJson(kept) });
      acceptedByType.set(fast.type, (acceptedByType.get(fast.type) ?? 0) + 1);
      continue;
    }
    const platform = metricPlatform(req, value);
    const result: ValidationResult =
      fast !== null ? { ok: true, event: fast, timeMs: 0, receivedAtMs: 0 } : safeValidate(value, ctx);
    if (result.ok) {
      accepted++;
      records.push({
        topic: topics.events,
        key: result.event.learnerId,
        value: JSON.stringify(withoutSecretInExt(result.event, req.secret)),
      });
      bump(eventCounts, `${platform}\u0000${result.event.type}\u0000accepted`);
      continue;
    }
    const bounded = boundErrors(result.errors);
    errors.push({ index, id: result.id, errors: bounded });
    const type = knownEventType(value) ?? 'invalid';
    bump(eventCounts, `${platform}\u0000${type}\u0000rejected`);
    for (const code of new Set(bounded.map((e) => e.code))) bump(codeCounts, `${platform}\u0000${code}`);

    // Replay: the record belongs to the platform the event claims (when it is a platform id at all), and
    // is stamped with the event's own receipt time when that is a valid timestamp; else the server clock.
    const v = value as { platformId?: unknown; receivedAt?: unknown } | null | undefined;
    let owner = req.platformId ?? '';
    let receivedAt = receiptIso;
    if (req.platformId === undefined && typeof v === 'object' && v !== null) {
      if (typeof v.platformId === 'string' && PLATFORM_ID.test(v.platformId)) owner = v.platformId;
      if (typeof v.receivedAt === 'string' && parseTimestamp(v.receivedAt) !== null)
        receivedAt = v.receivedAt;
    }
    const rec = rejectedRecord({
      platformId: owner,
      receivedAt,
      source,
      index,
      id: result.id,
      value,
      errors: bounded,
      raw: body.rawOf(index),
      ...(req.secret !== undefined ? { secret: req.secret } : {}),
    });
    records.push({ topic: topics.rejected, key: owner, value: JSON.stringify(rec) });
  }
  for (const [type, n] of acceptedByType)
    bump(eventCounts, `${req.platformId}\u0000${type}\u0000accepted`, n);

  return { records, accepted, rejected: errors.length, errors, eventCounts, codeCounts };
}

/** The platform label of metrics: the token's; on replay the event's if configured (bounded cardinality). */
function metricPlatform(req: BatchRequest, value: unknown): string {
  if (req.platformId !== undefined) return req.platformId;
  const p = (value as { platformId?: unknown } | null | undefined)?.platformId;
  return typeof p === 'string' && req.knownPlatforms.has(p) ? p : 'other';
}
