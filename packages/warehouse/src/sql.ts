import { hasLoneSurrogate } from '@hourglass/events';
import { invalid } from './errors';

/**
 * THE escaping of SQL literals. ClickHouse 18.16 has no server-side query parameters, so every value
 * that reaches SQL goes through sqlString/sqlNumber, and only after it was validated against the
 * patterns of SPEC §2 (defence in depth: the escaping alone must already be safe for any string).
 *
 * Inside '…' ClickHouse understands backslash escapes. We escape the backslash and the quote, and
 * write every control character as \xHH so the literal is one printable line whatever the input
 * (no raw NUL, newline or tab that a log, proxy or the parser might treat specially). Other code
 * points pass through as UTF-8, which ClickHouse stores byte for byte.
 */
export function sqlString(value: string): string {
  if (typeof value !== 'string') throw invalid(`not a string: ${typeof value}`);
  // A lone surrogate has no UTF-8 encoding: it would silently turn into U+FFFD and no longer match.
  if (hasLoneSurrogate(value)) throw invalid('string contains a lone UTF-16 surrogate');
  // Fast path for the common case (ids, codes): nothing to escape.
  if (!NEEDS_ESCAPE.test(value)) return `'${value}'`;
  let out = "'";
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    let esc: string | undefined;
    if (c === 0x5c) esc = '\\\\';
    else if (c === 0x27) esc = "\\'";
    else if (c < 0x20 || c === 0x7f) esc = `\\x${c.toString(16).padStart(2, '0')}`;
    if (esc !== undefined) {
      out += value.slice(start, i) + esc;
      start = i + 1;
    }
  }
  return `${out + value.slice(start)}'`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what must be escaped
const NEEDS_ESCAPE = /['\\\x00-\x1f\x7f]/;

/**
 * A numeric literal. Finite numbers only; negatives are parenthesized so that a literal placed
 * after a minus sign can never form a `--` comment.
 */
export function sqlNumber(value: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`not a finite number: ${value}`);
  if (Object.is(value, -0)) return '0';
  if (Number.isInteger(value) && !Number.isSafeInteger(value))
    throw invalid(`integer out of range: ${value}`);
  const text = String(value);
  return value < 0 ? `(${text})` : text;
}

/** A Date literal for a day already validated as YYYY-MM-DD. */
export function sqlDate(day: string): string {
  return `toDate(${sqlString(day)})`;
}

/** `col IN (…)` over string literals; an empty list is the constant false (ClickHouse rejects `IN ()`). */
export function sqlInStrings(column: string, values: readonly string[]): string {
  if (values.length === 0) return '0';
  return `${column} IN (${values.map(sqlString).join(', ')})`;
}

/**
 * `col IN <set>` for thousands of values. ClickHouse 18.16 parses a literal list slowly (~25 µs per
 * element: 10k ids cost ~250 ms), but one long string literal split on the server costs almost
 * nothing. Values without a comma are joined by ','; otherwise each is hex-encoded first.
 */
export function sqlInStringSet(column: string, values: readonly string[]): string {
  if (values.length === 0) return '0';
  if (values.every((v) => v !== '' && !v.includes(','))) {
    return `${column} IN (SELECT arrayJoin(splitByChar(',', ${sqlString(values.join(','))})))`;
  }
  const hex = values.map((v) => Buffer.from(v, 'utf8').toString('hex')).join(',');
  return `${column} IN (SELECT arrayJoin(arrayMap(x -> unhex(x), splitByChar(',', ${sqlString(hex)}))))`;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Database names are identifiers, not literals: only a strict pattern is accepted, then backquoted. */
export function sqlIdentifier(name: string): string {
  if (!IDENT.test(name)) throw invalid(`not a valid database identifier: ${JSON.stringify(name)}`);
  return `\`${name}\``;
}
