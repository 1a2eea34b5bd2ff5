import { z } from 'zod';
import { ConfigError } from './errors';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Env {
  configPath?: string;
  port: number;
  kafkaBrokers?: string[];
  redisUrl?: string;
  clickhouseUrl?: string;
  topicPrefix: string;
  logLevel: LogLevel;
  /** Kafka consumer-group session timeout: how soon a crashed member's partitions move to another. */
  kafkaSessionTimeoutMs?: number;
  /** Most rows the aggregator writes to the warehouse in one go (batches handled together are grouped). */
  aggregatorBatchRows?: number;
}

// Empty strings count as unset: `FOO= hourglass start` is how shells unset a variable for one command.
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

/** A URL with one of these schemes (the client would fail later, without naming the variable). */
const urlOf = (...schemes: string[]) =>
  z
    .string()
    .refine((v) => URL.canParse(v), 'must be a URL')
    .refine(
      (v) => !URL.canParse(v) || schemes.includes(new URL(v).protocol),
      `must be a ${schemes.map((s) => s.replace(':', '://')).join(' or ')} URL`,
    );

/** Decimal digits only: z.coerce.number would read "0x50" as 80 and "1e3" as 1000. */
const decimal = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a decimal integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** `/`, empty, or one database name with an optional trailing slash (as the warehouse reads it). */
const CLICKHOUSE_DATABASE_PATH = /^\/?([A-Za-z_][A-Za-z0-9_]{0,63}\/?)?$/;

/** User info the clients can decode: they throw a bare "URI malformed" on a stray "%" (say, in a password). */
const decodableCredentials = (v: string): boolean => {
  if (!URL.canParse(v)) return true;
  const u = new URL(v);
  try {
    decodeURIComponent(u.username);
    decodeURIComponent(u.password);
    return true;
  } catch {
    return false;
  }
};
const CREDENTIALS_MESSAGE = 'its user and password must be percent-encoded (a "%" in them is written %25)';

/**
 * ioredis takes the path (or a `db` query parameter) as the database with parseInt: without a number it
 * sends SELECT NaN, whose failure nobody handles (the process dies), and /1/2 would mean database 1.
 */
const redisDatabaseIsDecimal = (v: string): boolean => {
  if (!URL.canParse(v)) return true;
  const u = new URL(v);
  const db = u.searchParams.get('db');
  return /^\/?(\d+)?$/.test(u.pathname) && (db === null || /^\d+$/.test(db));
};

const brokerPort = (b: string) => Number(b.slice(b.lastIndexOf(':') + 1));

const envSchema = z.object({
  HOURGLASS_CONFIG: optional(z.string()),
  PORT: optional(decimal(0, 65_535)),
  KAFKA_BROKERS: optional(
    z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((b) => b.trim())
          .filter((b) => b !== ''),
      )
      .pipe(
        z
          .array(
            z
              .string()
              .regex(/^[^\s:/]+:\d{1,5}$/, 'each broker must be host:port')
              .refine((b) => brokerPort(b) >= 1 && brokerPort(b) <= 65_535, 'each port must be 1-65535'),
          )
          .min(1),
      ),
  ),
  REDIS_URL: optional(
    urlOf('redis:', 'rediss:')
      .refine(decodableCredentials, CREDENTIALS_MESSAGE)
      .refine(
        redisDatabaseIsDecimal,
        'its database (the path, or ?db=) must be a decimal number, e.g. redis://host:6379/0',
      ),
  ),
  // The database is the URL's path (http://host:8123/<database>, none: `hourglass`). Anything else would
  // be dropped by the warehouse, silently for a query string such as ?database=.
  CLICKHOUSE_URL: optional(
    urlOf('http:', 'https:')
      .refine(decodableCredentials, CREDENTIALS_MESSAGE)
      .refine(
        (v) => !URL.canParse(v) || (new URL(v).search === '' && new URL(v).hash === ''),
        'must not have a query string or fragment: name the database in the path, http://host:8123/<database>',
      )
      .refine(
        (v) => !URL.canParse(v) || CLICKHOUSE_DATABASE_PATH.test(new URL(v).pathname),
        'its path must be a database name ([A-Za-z_][A-Za-z0-9_]*, at most 64), e.g. http://host:8123/hourglass',
      ),
  ),
  // Kafka topic names allow [A-Za-z0-9._-]; the prefix is prepended to every topic.
  KAFKA_TOPIC_PREFIX: optional(z.string().regex(/^[A-Za-z0-9._-]{0,200}$/, 'must only use [A-Za-z0-9._-]')),
  LOG_LEVEL: optional(z.enum(LOG_LEVELS)),
  KAFKA_SESSION_TIMEOUT_MS: optional(decimal(6_000, 300_000)),
  AGGREGATOR_BATCH_ROWS: optional(decimal(1, 1_000_000)),
});

/** The one place that reads the environment (SPEC §6). Services call it in main.ts and pass values down. */
export function loadEnv(env: NodeJS.ProcessEnv): Env {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError('env_invalid', 'invalid environment', problems);
  }
  const e = parsed.data;
  const out: Env = {
    port: e.PORT ?? 8080,
    topicPrefix: e.KAFKA_TOPIC_PREFIX ?? 'hourglass.',
    logLevel: e.LOG_LEVEL ?? 'info',
  };
  if (e.HOURGLASS_CONFIG !== undefined) out.configPath = e.HOURGLASS_CONFIG;
  if (e.KAFKA_BROKERS !== undefined) out.kafkaBrokers = e.KAFKA_BROKERS;
  if (e.REDIS_URL !== undefined) out.redisUrl = e.REDIS_URL;
  if (e.CLICKHOUSE_URL !== undefined) out.clickhouseUrl = e.CLICKHOUSE_URL;
  if (e.KAFKA_SESSION_TIMEOUT_MS !== undefined) out.kafkaSessionTimeoutMs = e.KAFKA_SESSION_TIMEOUT_MS;
  if (e.AGGREGATOR_BATCH_ROWS !== undefined) out.aggregatorBatchRows = e.AGGREGATOR_BATCH_ROWS;
  return out;
}
