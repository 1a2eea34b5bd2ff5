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
 * An error a route throws to answer with a specific status and SPEC error code
 * (`{"error":{"code","message"}}`); `headers` carries e.g. Retry-After.
 */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(statusCode: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
    this.headers = headers;
  }
}
