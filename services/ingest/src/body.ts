import { ingestError } from './errors';
import { arrayElementTexts } from './raw-spans';

export const MAX_EVENTS_PER_REQUEST = 1000;

export type BodyFormat = 'json' | 'ndjson';

export interface ParsedBody {
  /** The submitted events, parsed, in request order. */
  values: unknown[];
  /** The raw JSON text of item i, for the rejected-events topic. Computed on first use. */
  rawOf(index: number): string;
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Only JSON's own whitespace makes a line blank (a CRLF line's CR included); a line of U+00A0 is a
 * (bad) event, not nothing.
 */
const BLANK = /^[ \t]*\r?$/;

function checkCount(n: number): void {
  if (n === 0) throw ingestError(400, 'bad_request', 'the body holds no event: send 1 to 1000 events');
  if (n > MAX_EVENTS_PER_REQUEST) {
    throw ingestError(
      400,
      'bad_request',
      `the body holds ${n} events: send at most ${MAX_EVENTS_PER_REQUEST} per request`,
    );
  }
}

/** `application/json`: the whole body must be one JSON array of 1..1000 values, else 400. */
export function parseJsonArray(body: string): ParsedBody {
  const text = stripBom(body);
  let parsed: unknown;
  try {
    // V8's JSON.parse is iterative (deep nesting cannot overflow the stack) and keeps "__proto__" as a
    // plain own property instead of setting a prototype; validateEvent rejects such keys.
    parsed = JSON.parse(text);
  } catch {
    throw ingestError(400, 'invalid_json', 'the body is not valid JSON: send a JSON array of events');
  }
  if (!Array.isArray(parsed))
    throw ingestError(400, 'bad_request', 'the body must be a JSON array of events');
  checkCount(parsed.length);
  let texts: string[] | undefined;
  return {
    values: parsed,
    rawOf(index) {
      texts ??= arrayElementTexts(text);
      return texts[index] ?? '';
    },
  };
}

/**
 * `application/x-ndjson`: one event per line. Blank lines (spaces and tabs only) are skipped and do not
 * count. A line that is not JSON makes the body malformed (SPEC §3: 400, nothing accepted), as a broken
 * element does a JSON array: the same events fail the same way in either form.
 */
export function parseNdjson(body: string): ParsedBody {
  const lines = stripBom(body).split('\n');
  const values: unknown[] = [];
  const raws: string[] = [];
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n] as string;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (BLANK.test(line)) continue;
    if (values.length === MAX_EVENTS_PER_REQUEST) {
      // Counting the rest is enough: there is no need to parse what will be refused.
      const more = lines.filter((l) => !BLANK.test(l)).length;
      checkCount(more);
    }
    raws.push(line);
    try {
      values.push(JSON.parse(line));
    } catch {
      // The line's number, not its content: the answer must not echo what may be a token or personal data.
      throw ingestError(
        400,
        'invalid_json',
        `line ${n + 1} of the body is not valid JSON: send one JSON event per line`,
      );
    }
  }
  checkCount(values.length);
  return { values, rawOf: (index) => raws[index] ?? '' };
}

export function parseBody(body: string, format: BodyFormat): ParsedBody {
  return format === 'json' ? parseJsonArray(body) : parseNdjson(body);
}
