import { Readable } from 'node:stream';

/**
 * RFC 4180 CSV: CRLF line ends, a header row, fields quoted when they contain a comma, quote, CR or
 * LF (quotes doubled). Values are validated identifiers, numbers, ISO times and — in JSON columns —
 * free text such as decision notes, which is why quoting matters.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text =
    typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** Rows are joined into chunks of about this many characters: one write per row would dominate. */
const CHUNK_CHARS = 64 * 1024;

/**
 * Streams a header row and then one line per row, pulling rows lazily so a large result is never
 * rendered as one string (the stream's backpressure paces the generator).
 */
export function csvStream<R>(
  columns: readonly string[],
  rows: Iterable<R> | AsyncIterable<R>,
  cells: (row: R) => readonly unknown[],
): Readable {
  async function* lines() {
    let chunk = csvLine(columns);
    for await (const row of rows) {
      chunk += csvLine(cells(row));
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk.length > 0) yield chunk;
  }
  return Readable.from(lines(), { objectMode: false });
}

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

/**
 * CSV when `format=csv`, or when no `format` is given and the Accept header prefers text/csv over
 * JSON (q-values honoured; ties go to the type listed first; wildcards mean JSON).
 */
export function wantsCsv(format: string | undefined, accept: string | undefined): boolean {
  if (format !== undefined) return format === 'csv';
  if (!accept) return false;
  let best: { type: string; q: number } | null = null;
  for (const part of accept.split(',')) {
    const [rawType, ...params] = part.split(';');
    const type = rawType?.trim().toLowerCase() ?? '';
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=').map((s) => s.trim());
      if (k?.toLowerCase() === 'q' && v !== undefined) q = Number.parseFloat(v) || 0; // "Q=" too (RFC 9110)
    }
    const kind =
      type === 'text/csv'
        ? 'csv'
        : type === 'application/json' || type === '*/*' || type === 'application/*'
          ? 'json'
          : null;
    if (kind && q > 0 && (best === null || q > best.q)) best = { type: kind, q };
  }
  return best?.type === 'csv';
}
