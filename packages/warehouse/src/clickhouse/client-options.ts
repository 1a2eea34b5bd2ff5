import { type ClickHouseClientConfigOptions, ClickHouseLogLevel } from '@clickhouse/client';

/**
 * Everything about talking to ClickHouse 18.16 *and* current servers with @clickhouse/client 1.x
 * lives here. Checked against the Debian 18.16.1 server:
 *
 * - No server-side query parameters (`{name:Type}` arrived in 19.x): we never pass `query_params`;
 *   literals go through sqlString/sqlNumber instead.
 * - Settings that do not exist in 18.16 are refused with "Unknown setting" (e.g. `async_insert`,
 *   which some client examples turn on): we send only settings both generations know.
 * - 18.16 reports errors as "Code: N, e.displayText() = DB::Exception: …" without the "(TYPE)"
 *   suffix the client's parser expects, so errors.ts reads the numeric code itself.
 * - The `database` connection option would make every request fail with UNKNOWN_DATABASE before
 *   migrate() created it; we stay on `default` and qualify every table as `db`.`table`.
 * - Keep-alive: the Debian config closes idle HTTP connections after 3 s (keep_alive_timeout);
 *   the client must drop idle sockets before that or it reuses a closed one (ECONNRESET).
 * - The client's own logger is off: every failure is returned as a WarehouseError and the caller
 *   logs it (with its own logger, once), instead of the client printing to stderr as well.
 * - Compression off: on one machine gzip costs more CPU than it saves; both ends support it, so it
 *   can be turned on for remote servers without other changes.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export function clientConfig(opts: {
  url: string;
  username?: string;
  password?: string;
  requestTimeoutMs?: number;
}): ClickHouseClientConfigOptions {
  return {
    url: opts.url,
    username: opts.username ?? 'default',
    password: opts.password ?? '',
    request_timeout: opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    application: 'hourglass-warehouse',
    compression: { request: false, response: false },
    keep_alive: { enabled: true, idle_socket_ttl: 2_000 },
    max_open_connections: 8,
    clickhouse_settings: {},
    log: { level: ClickHouseLogLevel.OFF },
  };
}

/**
 * Per-request settings (all present in 18.16 and current):
 * - `wait_end_of_query`: the server buffers the result, so an exception in the middle of a query
 *   becomes an HTTP error instead of a 200 with an error text appended to half a result.
 */
export const QUERY_SETTINGS = { wait_end_of_query: 1 } as const;

/**
 * The insert-time duplicate check sends the batch's ids as literals; 10k ids are ~300 KB, above the
 * default max_query_size (256 KiB). The AST stays well below max_ast_elements (50k).
 */
export const ID_CHECK_SETTINGS = { ...QUERY_SETTINGS, max_query_size: '16777216' } as const;

/** Hot aggregate queries re-read the same small columns: let the server keep them decompressed. */
export const HOT_QUERY_SETTINGS = { ...QUERY_SETTINGS, use_uncompressed_cache: 1 } as const;
