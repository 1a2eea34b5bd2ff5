import type { z } from 'zod';
import { EVENT_TYPES, type EventType } from './patterns';
import { type AcceptedEvent, EXT_MAX_BYTES, eventSchemas, type HourglassEvent, timestamp } from './schemas';
import { parseTimestamp } from './time';

/** One reason an event was rejected: stable `code`, dotted `path` (`<type>.<field>` once the type is known). */
export interface FieldError {
  path: string;
  code: string;
  message: string;
}

export type ValidationResult =
  | { ok: true; event: AcceptedEvent; timeMs: number; receivedAtMs: number }
  | { ok: false; id: string | null; errors: FieldError[] };

export interface ValidationContext {
  /** Platform of the token that sent the event; absent for admin replay (any platform). */
  platformId?: string;
  /** Server receipt time. For replay, omit it: each event carries its own `receivedAt`. */
  receivedAtMs?: number;
}

export const MAX_FUTURE_MS = 30_000;
export const MAX_AGE_MS = 7 * 24 * 3_600_000;
/** The times an event may carry: what every store down the pipeline holds (ClickHouse Date days). */
export const MIN_EVENT_MS = Date.UTC(1970, 0, 2);
export const MAX_EVENT_MS = Date.UTC(2105, 11, 30);

const TYPES = new Set<string>(EVENT_TYPES);

/**
 * The event type a raw value names, if it is an object whose `type` is one of EVENT_TYPES; else
 * undefined. For bounded metric labels of events that may be invalid.
 */
export function knownEventType(raw: unknown): EventType | undefined {
  const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
  return typeof type === 'string' && TYPES.has(type) ? (type as EventType) : undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function joinPath(prefix: string, path: readonly PropertyKey[]): string {
  const rest = path.map(String).join('.');
  if (!prefix) return rest;
  return rest ? `${prefix}.${rest}` : prefix;
}

/** Flattens zod issues into FieldErrors; an unrecognized-keys issue becomes one error per key. */
function toFieldErrors(issues: readonly z.core.$ZodIssue[], prefix: string): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({
          path: joinPath(prefix, [...issue.path, key]),
          code: 'unrecognized_key',
          message: `unknown key "${key}" (platform-specific data goes under ext)`,
        });
      }
      continue;
    }
    const code =
      issue.code === 'custom' && typeof issue.params?.code === 'string' ? issue.params.code : issue.code;
    out.push({ path: joinPath(prefix, issue.path), code, message: issue.message });
  }
  return out;
}

/**
 * `ext` is the one free-form object. JSON.parse keeps a `__proto__` key as an own property, but copying
 * it (as the record schema does) sets the copy's prototype instead: the key would vanish from the
 * accepted event, and downstream merges could pollute prototypes. Such keys are rejected, as are
 * `constructor.prototype` pairs (the other classic pollution vector).
 * Iterative, with paths built only for hits: ext may nest thousands of levels deep. Below depth
 * EXT_MAX_BYTES / 2 the value cannot fit the size limit anyway (each level costs two bytes), so the walk
 * stops there and the size check rejects it.
 */
interface Node {
  value: unknown;
  key: string;
  parent: Node | null;
  depth: number;
}

function pathOfNode(node: Node, suffix: string): string {
  const keys: string[] = [suffix];
  for (let n: Node | null = node; n !== null; n = n.parent) keys.push(n.key);
  return keys.reverse().join('.');
}

function forbiddenKeys(root: Record<string, unknown>, prefix: string): FieldError[] {
  const out: FieldError[] = [];
  const stack: Node[] = [{ value: root, key: prefix, parent: null, depth: 0 }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const value = node.value;
    if (typeof value !== 'object' || value === null || node.depth > EXT_MAX_BYTES / 2) continue;
    const depth = node.depth + 1;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--)
        stack.push({ value: value[i], key: String(i), parent: node, depth });
      continue;
    }
    const obj = value as Record<string, unknown>;
    if (Object.hasOwn(obj, '__proto__')) {
      out.push({
        path: pathOfNode(node, '__proto__'),
        code: 'forbidden_key',
        message: 'the key "__proto__" is not allowed',
      });
    }
    const ctor = Object.hasOwn(obj, 'constructor') ? obj.constructor : undefined;
    if (isPlainObject(ctor) && Object.hasOwn(ctor, 'prototype')) {
      out.push({
        path: pathOfNode(node, 'constructor.prototype'),
        code: 'forbidden_key',
        message: 'the key "constructor.prototype" is not allowed',
      });
    }
    for (const key of Object.keys(obj)) {
      if (key !== '__proto__') stack.push({ value: obj[key], key, parent: node, depth });
    }
  }
  return out;
}

/**
 * Validates one raw event as SPEC §2–3 define it. All reasons are reported, not only the first.
 * For replay (no `receivedAtMs` in the context) the event must carry `receivedAt`, which then plays
 * the role of the server clock.
 */
export function validateEvent(raw: unknown, ctx: ValidationContext): ValidationResult {
  if (!isPlainObject(raw)) {
    return {
      ok: false,
      id: null,
      errors: [{ path: '', code: 'invalid_type', message: 'an event must be a JSON object' }],
    };
  }
  const id = typeof raw.id === 'string' && raw.id.length <= 128 ? raw.id : null;
  const type = raw.type;
  if (typeof type !== 'string' || !TYPES.has(type)) {
    return {
      ok: false,
      id,
      errors: [
        {
          path: 'type',
          code: type === undefined ? 'invalid_type' : 'invalid_value',
          message: `must be one of ${EVENT_TYPES.join(', ')}`,
        },
      ],
    };
  }
  const errors: FieldError[] = [];
  let body: Record<string, unknown> = raw;
  let receivedAtMs = ctx.receivedAtMs ?? null;
  if (ctx.receivedAtMs === undefined) {
    const { receivedAt, ...rest } = raw;
    body = rest;
    const parsed = timestamp.safeParse(receivedAt);
    if (receivedAt === undefined) {
      errors.push({
        path: `${type}.receivedAt`,
        code: 'invalid_type',
        message: 'replayed events carry receivedAt',
      });
    } else if (!parsed.success) {
      errors.push(...toFieldErrors(parsed.error.issues, `${type}.receivedAt`));
    } else {
      receivedAtMs = parseTimestamp(parsed.data);
    }
  }
  const result = eventSchemas[type as EventType].safeParse(body);
  if (!result.success) errors.push(...toFieldErrors(result.error.issues, type));
  if (isPlainObject(raw.ext)) errors.push(...forbiddenKeys(raw.ext, `${type}.ext`));
  if (
    ctx.platformId !== undefined &&
    typeof raw.platformId === 'string' &&
    raw.platformId !== ctx.platformId
  ) {
    errors.push({
      path: `${type}.platformId`,
      code: 'platform_mismatch',
      message: 'must equal the platform of the token that sends it',
    });
  }
  const timeMs = typeof raw.time === 'string' ? parseTimestamp(raw.time) : null;
  // Only replay can send such times (ingest's clock is now): the warehouse stores days of 1970-01-02 to
  // 2105-12-30, and an event outside them would be credited and then refused downstream, not here.
  for (const [field, ms] of [
    ['receivedAt', receivedAtMs],
    ['time', timeMs],
  ] as const) {
    if (ms !== null && (ms < MIN_EVENT_MS || ms > MAX_EVENT_MS)) {
      errors.push({
        path: `${type}.${field}`,
        code: 'time_out_of_range',
        message: 'must lie between 1970-01-02T00:00:00Z and 2105-12-30T00:00:00Z',
      });
    }
  }
  if (timeMs !== null && receivedAtMs !== null) {
    if (timeMs > receivedAtMs + MAX_FUTURE_MS) {
      errors.push({ path: `${type}.time`, code: 'time_in_future', message: 'is later than receipt + 30 s' });
    } else if (timeMs < receivedAtMs - MAX_AGE_MS) {
      errors.push({
        path: `${type}.time`,
        code: 'time_too_old',
        message: 'is earlier than receipt − 7 days',
      });
    }
  }
  if (errors.length > 0 || !result.success || timeMs === null || receivedAtMs === null) {
    return { ok: false, id, errors };
  }
  const event = result.data as HourglassEvent;
  const receivedAt =
    ctx.receivedAtMs === undefined ? (raw.receivedAt as string) : new Date(receivedAtMs).toISOString();
  return { ok: true, event: { ...event, receivedAt }, timeMs, receivedAtMs };
}
