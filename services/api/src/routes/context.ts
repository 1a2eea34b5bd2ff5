import type { Warehouse } from '@hourglass/warehouse';
import type { ApiLogger } from '../api';
import type { AuthGuard } from '../auth-guard';
import type { HoursRenderer } from '../hours';
import type { ApiMetrics } from '../metrics';

/** What every route gets: the warehouse to read, the guard to authorize, and shared renderers. */
export interface RouteContext {
  warehouse: Warehouse;
  guard: AuthGuard;
  hours: HoursRenderer;
  metrics: ApiMetrics;
  logger: ApiLogger;
  timeZone: string;
  /** Rows one stats/hours answer may hold. */
  maxHoursRows: number;
}
