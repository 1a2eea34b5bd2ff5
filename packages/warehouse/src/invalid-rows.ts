import { isWarehouseError } from './errors';
import {
  checkCertificate,
  checkDecision,
  checkEventCount,
  checkFlag,
  checkRejected,
  checkSegments,
  checkSession,
} from './validate';

/** The tables a writer feeds, as the Warehouse's insert and upsert calls name them. */
export type WritableTable =
  | 'segments'
  | 'flags'
  | 'sessions'
  | 'certificates'
  | 'decisions'
  | 'rejected'
  | 'counts';

const CHECKS: Record<WritableTable, (row: never) => void> = {
  segments: (row) => checkSegments([row]),
  flags: checkFlag,
  sessions: checkSession,
  certificates: checkCertificate,
  decisions: checkDecision,
  rejected: checkRejected,
  counts: checkEventCount,
};

export interface InvalidRow {
  /** Position in the list given. */
  index: number;
  /** The path of the field and what was wrong with it, as the write's error says (with up to 80 characters of the value). */
  reason: string;
  /** The path of the field refused, without its value: what a log may keep of a row's free text. */
  field: string;
}

/**
 * The rows a write to `table` refuses with code `invalid`, each with the reason: the same checks both
 * adapters run before writing anything. A writer whose write was refused finds the culprits with it
 * (one pass, no I/O) and writes the others, instead of retrying a write that can never succeed.
 */
export function invalidRows(table: WritableTable, rows: readonly unknown[]): InvalidRow[] {
  const check = CHECKS[table];
  const found: InvalidRow[] = [];
  rows.forEach((row, index) => {
    try {
      check(row as never);
    } catch (err) {
      if (!isWarehouseError(err, 'invalid')) throw err;
      found.push({ index, reason: err.message, field: err.field ?? err.message });
    }
  });
  return found;
}
