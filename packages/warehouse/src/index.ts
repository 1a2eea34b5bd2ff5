export { clickHouseOptionsFromUrl } from './clickhouse/url';
export type { ClickHouseWarehouseOptions } from './clickhouse/warehouse';
export { createClickHouseWarehouse } from './clickhouse/warehouse';
export { createEmbeddedWarehouse } from './embedded/warehouse';
export type { WarehouseErrorCode } from './errors';
export { isWarehouseError, WarehouseError } from './errors';
export { type InvalidRow, invalidRows, type WritableTable } from './invalid-rows';
export type { Migration } from './migrations';
export { MIGRATIONS } from './migrations';
export { openWarehouse } from './open';
export { decodeCursor, encodeCursor } from './semantics';
export { sqlNumber, sqlString } from './sql';
export type {
  EffectiveStatus,
  EventCountRow,
  FilterKey,
  FlagStatus,
  FlagView,
  GroupKey,
  HoursQuery,
  HoursRow,
  LearnerTotals,
  ListFlagsQuery,
  PlatformSummary,
  ProgrammeSummary,
  Reconciliation,
  RejectedRow,
  SegmentReconciliation,
  SegmentView,
  SessionTimeline,
  Warehouse,
  WarehouseCounts,
} from './types';
