import { readFileSync } from 'node:fs';
import { PLATFORM_ID } from '@hourglass/events';
import { z } from 'zod';
import { developmentConfig } from './dev-config';
import { ConfigError } from './errors';
import { type Policy, policyOverrideSchema } from './policy';

export const ROLES = ['supervisor', 'statistician', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const DEFAULT_TIMEZONE = 'Asia/Shanghai';
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/**
 * Bytes of ingest request bodies being received and processed at once, over all requests; a request that
 * would pass it answers 503 before its body is read. A 1 MiB body costs ~8 MiB at its peak (buffer, text,
 * parsed events, records), so the default keeps ingest's bodies near 0.5 GB however many clients send.
 */
export const DEFAULT_MAX_IN_FLIGHT_BODY_BYTES = 64 * 1024 * 1024;

export interface PlatformConfig {
  id: string;
  name: string;
  /** `sha256:<64 lowercase hex>` of each accepted token; raw tokens never appear in configuration. */
  tokens: string[];
  policy?: Partial<Policy>;
  /** Events per second this platform may send; absent = unlimited. */
  rateLimitPerSec?: number;
}

export interface UserConfig {
  name: string;
  role: Role;
  /** Supervisor scope: platform ids, or ["*"] for all. Only supervisors have one. */
  platforms?: string[];
  tokens: string[];
}

export interface Config {
  timezone: string;
  classHourMinutes?: number;
  policy: Partial<Policy>;
  platforms: PlatformConfig[];
  users: UserConfig[];
  ingest: { maxBodyBytes: number; maxInFlightBodyBytes: number };
}

const TOKEN_HASH = /^sha256:[0-9a-f]{64}$/;

function isTimeZone(tz: string): boolean {
  // Intl also accepts offsets such as "+08:00" on newer engines; the SPEC asks for an IANA zone name.
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const tokenHash = z
  .string()
  // Upper-case hex is a harmless spelling; normalizing keeps the duplicate check meaningful.
  .transform((s) => (s.startsWith('sha256:') ? `sha256:${s.slice(7).toLowerCase()}` : s))
  .refine((s) => TOKEN_HASH.test(s), {
    message:
      'must be "sha256:" followed by the 64 hex digits of the token\'s SHA-256 (never the token itself)',
  });

const platformSchema = z.strictObject({
  id: z.string().regex(PLATFORM_ID, 'must match ^[a-z0-9][a-z0-9-]{0,63}$'),
  name: z.string().min(1).max(200),
  tokens: z.array(tokenHash).min(1, 'needs at least one token hash'),
  policy: policyOverrideSchema.optional(),
  rateLimitPerSec: z.number().positive().optional(),
});

const userSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._@-]{1,128}$/, 'must match ^[A-Za-z0-9._@-]{1,128}$'),
  role: z.enum(ROLES),
  platforms: z
    .array(z.string().min(1))
    .min(1, 'must name at least one platform, or ["*"] for all')
    .optional(),
  tokens: z.array(tokenHash).min(1, 'needs at least one token hash'),
});

const configSchema = z.strictObject({
  timezone: z
    .string()
    .refine(isTimeZone, 'must be an IANA time zone such as "Asia/Shanghai"')
    .default(DEFAULT_TIMEZONE),
  classHourMinutes: z.number().positive().max(240).optional(),
  policy: policyOverrideSchema.default({}),
  platforms: z.array(platformSchema),
  users: z.array(userSchema),
  ingest: z
    .strictObject({
      maxBodyBytes: z
        .int()
        .min(1024)
        .max(256 * 1024 * 1024)
        .default(DEFAULT_MAX_BODY_BYTES),
      maxInFlightBodyBytes: z
        .int()
        .min(1024)
        .max(16 * 1024 * 1024 * 1024)
        .default(DEFAULT_MAX_IN_FLIGHT_BODY_BYTES),
    })
    .default({
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      maxInFlightBodyBytes: DEFAULT_MAX_IN_FLIGHT_BODY_BYTES,
    }),
});

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(top level)' : out;
}

/** What crossChecks reads of an entry; a field missing here is one the schema already reported. */
interface LooseConfig {
  platforms: { id?: string; tokens: string[] }[];
  users: { name?: string; role?: Role; platforms?: string[] | 'malformed'; tokens: string[] }[];
}

/**
 * The fields crossChecks needs, read from a file the schema refused, so that one start-up names the
 * problems across entries too. Entries keep their positions; a malformed field is left out (the schema's
 * own problem names it). Undefined when the lists themselves are missing or not arrays.
 */
function looseView(json: unknown): LooseConfig | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { platforms, users } = json as Record<string, unknown>;
  if (!Array.isArray(platforms) || !Array.isArray(users)) return undefined;
  const field = (o: unknown, k: string): unknown =>
    typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const hashes = (v: unknown): string[] =>
    Array.isArray(v)
      ? v.flatMap((t) => {
          const r = tokenHash.safeParse(t);
          return r.success ? [r.data] : [];
        })
      : [];
  return {
    platforms: platforms.map((p) => {
      const id = str(field(p, 'id'));
      return { ...(id === undefined ? {} : { id }), tokens: hashes(field(p, 'tokens')) };
    }),
    users: users.map((u) => {
      const name = str(field(u, 'name'));
      const role = str(field(u, 'role'));
      const scope = field(u, 'platforms');
      return {
        ...(name === undefined ? {} : { name }),
        ...(role !== undefined && (ROLES as readonly string[]).includes(role) ? { role: role as Role } : {}),
        ...(scope === undefined
          ? {}
          : {
              platforms:
                Array.isArray(scope) && scope.length > 0 && scope.every((x) => typeof x === 'string')
                  ? (scope as string[])
                  : ('malformed' as const),
            }),
        tokens: hashes(field(u, 'tokens')),
      };
    }),
  };
}

/** Rules that span entries: uniqueness of ids, names and token hashes, and supervisor scopes. */
function crossChecks(c: LooseConfig): string[] {
  const problems: string[] = [];
  const platformAt = new Map<string, number>();
  c.platforms.forEach((p, i) => {
    if (p.id === undefined) return;
    const first = platformAt.get(p.id);
    if (first !== undefined)
      problems.push(`platforms[${i}].id: duplicate platform id "${p.id}" (also platforms[${first}])`);
    else platformAt.set(p.id, i);
  });
  const userAt = new Map<string, number>();
  c.users.forEach((u, i) => {
    if (u.name === undefined) return;
    const first = userAt.get(u.name);
    if (first !== undefined)
      problems.push(`users[${i}].name: duplicate user name "${u.name}" (also users[${first}])`);
    else userAt.set(u.name, i);
  });
  const owner = new Map<string, string>();
  const claim = (hash: string, where: string, who: string): void => {
    const prev = owner.get(hash);
    // Only the position is printed: a hash is not secret, but naming positions is enough to find it.
    if (prev !== undefined)
      problems.push(`${where}: token hash is also used by ${prev}; every principal needs its own token`);
    else owner.set(hash, who);
  };
  c.platforms.forEach((p, i) => {
    p.tokens.forEach((t, j) => {
      claim(t, `platforms[${i}].tokens[${j}]`, p.id === undefined ? `platforms[${i}]` : `platform "${p.id}"`);
    });
  });
  c.users.forEach((u, i) => {
    u.tokens.forEach((t, j) => {
      claim(t, `users[${i}].tokens[${j}]`, u.name === undefined ? `users[${i}]` : `user "${u.name}"`);
    });
    if (u.role === undefined || u.platforms === 'malformed') return;
    if (u.role === 'supervisor') {
      if (u.platforms === undefined) {
        problems.push(
          `users[${i}].platforms: a supervisor needs a platform scope (platform ids, or ["*"] for all)`,
        );
      } else if (!(u.platforms.length === 1 && u.platforms[0] === '*')) {
        u.platforms.forEach((pid, j) => {
          if (pid === '*')
            problems.push(`users[${i}].platforms[${j}]: "*" must be the only entry of a scope`);
          else if (!platformAt.has(pid))
            problems.push(`users[${i}].platforms[${j}]: unknown platform "${pid}"`);
        });
      }
    } else if (u.platforms !== undefined) {
      problems.push(
        `users[${i}].platforms: only supervisors have a platform scope (role "${u.role}" sees all)`,
      );
    }
  });
  return problems;
}

/** Validates a parsed configuration file (SPEC §6). Throws ConfigError listing every problem found. */
export function parseConfig(json: unknown, source = 'configuration'): Config {
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      if (i.code === 'unrecognized_keys') {
        const keys = i.keys.map((k) => `"${k}"`).join(', ');
        const what = i.path.at(-1) === 'policy' ? 'unknown policy key' : 'unknown key';
        return `${pathOf(i.path)}: ${what}${i.keys.length > 1 ? 's' : ''} ${keys}`;
      }
      return `${pathOf(i.path)}: ${i.message}`;
    });
    const loose = looseView(json);
    if (loose !== undefined) problems.push(...crossChecks(loose));
    throw new ConfigError('config_invalid', `invalid ${source}`, problems);
  }
  const config = parsed.data as Config;
  const problems = crossChecks(config);
  if (problems.length > 0) throw new ConfigError('config_invalid', `invalid ${source}`, problems);
  return config;
}

/**
 * Reads and validates the configuration file; without a path, the development configuration with the
 * documented demo tokens (see DEMO_TOKENS).
 */
export function loadConfig(path?: string): Config {
  if (path === undefined) return developmentConfig();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      'config_unreadable',
      `cannot read configuration file ${path}: ${(err as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(
      'config_invalid',
      `configuration file ${path} is not valid JSON${jsonErrorAt(text, err)}`,
    );
  }
  return parseConfig(json, `configuration file ${path}`);
}

/**
 * Where JSON.parse stopped, as a line and column when V8 says (" at line 3, column 14"), else nothing.
 * Never V8's own message: it quotes the text around the fault, and a token written there unhashed by
 * mistake would be printed.
 */
function jsonErrorAt(text: string, err: unknown): string {
  const m = /at position (\d+)/.exec(err instanceof Error ? err.message : '');
  if (m === null) return '';
  const pos = Math.min(Number(m[1]), text.length);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return ` at line ${line}, column ${column}`;
}
