/**
 * Typed failures of the warehouse. Callers branch on `code`:
 * - `unavailable`: ClickHouse is down, slow, overloaded or dropped the connection. Retry with
 *   backoff; every write is idempotent, so repeating a write whose outcome is unknown is safe.
 * - `invalid`: the input breaks a pattern of SPEC §2 or the query contract; retrying will not help.
 * - `closed`: the warehouse was closed by its owner.
 * - `unexpected`: anything else the server reported (a bug here or a schema the server refuses).
 */
export type WarehouseErrorCode = 'unavailable' | 'invalid' | 'closed' | 'unexpected';

export class WarehouseError extends Error {
  override readonly name = 'WarehouseError';
  readonly code: WarehouseErrorCode;
  /** ClickHouse's numeric error code when the server reported one. */
  readonly serverCode: number | undefined;
  /** `invalid` from the checks of the input: the path of the field refused (its value is only in the message). */
  readonly field: string | undefined;

  constructor(
    code: WarehouseErrorCode,
    message: string,
    options?: { cause?: unknown; serverCode?: number; field?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.serverCode = options?.serverCode;
    this.field = options?.field;
  }
}

export function isWarehouseError(err: unknown, code?: WarehouseErrorCode): err is WarehouseError {
  return err instanceof WarehouseError && (code === undefined || err.code === code);
}

export function invalid(message: string, field?: string): WarehouseError {
  return new WarehouseError('invalid', message, field === undefined ? undefined : { field });
}

/**
 * Server error codes that mean "try again later" rather than "this request is wrong":
 * timeouts, overload, memory pressure, too many parts, a same-id insert still running, network.
 */
const RETRYABLE_SERVER_CODES = new Set([
  159, // TIMEOUT_EXCEEDED
  160, // TOO_SLOW
  164, // READONLY
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  216, // QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING: our own earlier attempt of this insert is still running
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  252, // TOO_MANY_PARTS
  319, // UNKNOWN_STATUS_OF_INSERT
  394, // QUERY_WAS_CANCELLED
  425, // SYSTEM_ERROR
]);

// Node socket and @clickhouse/client transport failures: the server was not reachable or went away.
const CONNECTION_PROBLEM =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|socket hang up|Timeout error|other side closed|The user aborted a request/i;

/**
 * A proxy or load balancer in front of ClickHouse answering for it (502, 503, 504 and their usual
 * bodies, or nothing at all). @clickhouse/client turns any non-2xx answer into an Error holding just
 * the body, without the status; ClickHouse's own errors always carry "Code: N" and are read above, so
 * these are the gateway's words for "the server behind me is not there".
 */
const GATEWAY_UNAVAILABLE =
  /^\s*$|\b50[234]\b|Bad Gateway|Service (Temporarily )?Unavailable|Gateway Time-?out|no healthy upstream|upstream connect error/i;

/**
 * ClickHouse 18.16 words errors as "Code: 60, e.displayText() = DB::Exception: …" without the
 * "(TYPE)" suffix newer servers add, so @clickhouse/client cannot parse them into a ClickHouseError;
 * the numeric code is read from the message here for both formats.
 */
export function serverCodeOf(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const c = (err as { code: unknown }).code;
    if (typeof c === 'string' && /^\d+$/.test(c)) return Number(c);
  }
  const message = err instanceof Error ? err.message : String(err);
  const m = /\bCode: (\d+)/.exec(message);
  return m ? Number(m[1]) : undefined;
}

/** Maps whatever the client rejected with onto a WarehouseError. */
export function toWarehouseError(err: unknown, operation: string): WarehouseError {
  if (err instanceof WarehouseError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const short = message.length > 500 ? `${message.slice(0, 500)}…` : message;
  const serverCode = serverCodeOf(err);
  if (serverCode !== undefined) {
    const code = RETRYABLE_SERVER_CODES.has(serverCode) ? 'unavailable' : 'unexpected';
    return new WarehouseError(code, `${operation}: clickhouse: ${short}`, { cause: err, serverCode });
  }
  const errno = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  if (CONNECTION_PROBLEM.test(message) || CONNECTION_PROBLEM.test(errno)) {
    return new WarehouseError('unavailable', `${operation}: clickhouse unavailable: ${short}`, {
      cause: err,
    });
  }
  if (!isProgrammingError(err) && GATEWAY_UNAVAILABLE.test(message)) {
    return new WarehouseError('unavailable', `${operation}: clickhouse unavailable (gateway): ${short}`, {
      cause: err,
    });
  }
  return new WarehouseError('unexpected', `${operation}: ${short}`, { cause: err });
}

/** A bug of ours (TypeError and its kin) is never a gateway's answer, whatever its message. */
function isProgrammingError(err: unknown): boolean {
  return (
    err instanceof TypeError ||
    err instanceof RangeError ||
    err instanceof SyntaxError ||
    err instanceof ReferenceError
  );
}
