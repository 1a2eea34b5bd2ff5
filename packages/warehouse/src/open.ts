import { clickHouseOptionsFromUrl } from './clickhouse/url';
import { createClickHouseWarehouse } from './clickhouse/warehouse';
import { createEmbeddedWarehouse } from './embedded/warehouse';
import type { Warehouse } from './types';

/** ClickHouse when a URL is given (CLICKHOUSE_URL, its path naming the database), otherwise the embedded store. */
export function openWarehouse(opts: { url?: string; timeZone: string }): Warehouse {
  if (opts.url)
    return createClickHouseWarehouse({ ...clickHouseOptionsFromUrl(opts.url), timeZone: opts.timeZone });
  return createEmbeddedWarehouse({ timeZone: opts.timeZone });
}
