import { invalidRows, isWarehouseError, type Warehouse, type WritableTable } from '@hourglass/warehouse';
import type { Rows } from './route-records';

/** A row the warehouse refused as invalid: it can never be written, so it is reported and skipped. */
export interface SkippedRow {
  table: WritableTable;
  row: unknown;
  /** The path of the field refused (InvalidRow.field): never its value, which may be a platform's free text. */
  field: string;
}

/**
 * Writes the rows of one group, table by table; every write is idempotent by its deterministic ids.
 *
 * Where a failure is decided: a write the warehouse refuses as `invalid` can never succeed, and
 * retrying the group would block every partition in it for good. So its culprits are found (the
 * warehouse's own checks, no I/O), reported through `onSkipped` and left out, and the other rows
 * written. Any other failure (ClickHouse down, overloaded) is thrown: the caller retries the group.
 */
export async function writeRows(
  warehouse: Warehouse,
  rows: Rows,
  onSkipped: (skipped: SkippedRow) => void = () => {},
): Promise<Record<string, number>> {
  const writes: [WritableTable, unknown[], (r: never[]) => Promise<void>][] = [
    ['segments', rows.segments, (r) => warehouse.insertSegments(r)],
    ['flags', rows.flags, (r) => warehouse.upsertFlags(r)],
    ['sessions', rows.sessions, (r) => warehouse.upsertSessions(r)],
    ['certificates', rows.certificates, (r) => warehouse.insertCertificates(r)],
    ['decisions', rows.decisions, (r) => warehouse.insertDecisions(r)],
    ['rejected', rows.rejected, (r) => warehouse.insertRejected(r)],
    ['counts', rows.counts, (r) => warehouse.insertEventCounts(r)],
  ];
  const written: Record<string, number> = {};
  for (const [table, list, write] of writes) {
    if (list.length === 0) continue;
    const n = await writeValid(table, list, write, onSkipped);
    if (n > 0) written[table] = n;
  }
  return written;
}

async function writeValid(
  table: WritableTable,
  list: unknown[],
  write: (r: never[]) => Promise<void>,
  onSkipped: (skipped: SkippedRow) => void,
): Promise<number> {
  try {
    await write(list as never[]);
    return list.length;
  } catch (err) {
    if (!isWarehouseError(err, 'invalid')) throw err;
    const bad = invalidRows(table, list);
    // The checks and the write disagree (a bug): retrying keeps every row, skipping could lose valid ones.
    if (bad.length === 0) throw err;
    for (const b of bad) onSkipped({ table, row: list[b.index], field: b.field });
    const skip = new Set(bad.map((b) => b.index));
    const valid = list.filter((_, i) => !skip.has(i));
    if (valid.length > 0) await write(valid as never[]);
    return valid.length;
  }
}
