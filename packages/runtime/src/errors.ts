/** Error codes of the runtime package; callers switch on `code`, never on messages. */
export type RuntimeErrorCode = 'env_invalid' | 'config_unreadable' | 'config_invalid';

/**
 * A start-up problem: bad environment or configuration. `problems` lists every problem found (not only
 * the first), each naming where it is, so an operator can fix the file in one go.
 */
export class ConfigError extends Error {
  readonly code: RuntimeErrorCode;
  readonly problems: readonly string[];

  constructor(code: RuntimeErrorCode, summary: string, problems: readonly string[] = []) {
    super(problems.length > 0 ? `${summary}:\n${problems.map((p) => `  - ${p}`).join('\n')}` : summary);
    this.name = 'ConfigError';
    this.code = code;
    this.problems = problems;
  }
}

/**
 * The SPEC §5 error codes an HTTP answer carries in `{"error":{"code","message"}}` (ingest's and the
 * API's, and those the shared error handler gives Fastify's own client faults and unexpected errors).
 */
export type HttpErrorCode =
  | 'bad_request'
  | 'invalid_json'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'not_acceptable'
  | 'request_timeout'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'overloaded'
  | 'unavailable'
  | 'internal';

/**
 * An error a route throws to answer with a specific status and SPEC error code
 * (`{"error":{"code","message"}}`); `headers` carries e.g. Retry-After.
 */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: HttpErrorCode;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    statusCode: number,
    code: HttpErrorCode,
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
    this.headers = headers;
  }
}
