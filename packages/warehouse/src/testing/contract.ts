import { afterEach, describe } from 'vitest';
import type { Warehouse } from '../types';
import { describeHoursContract } from './contract-hours';
import { describeReviewContract } from './contract-review';
import { describeStatsContract } from './contract-stats';

/** What a contract run needs from an adapter: a fresh, empty, isolated warehouse. */
export interface WarehouseHarness {
  warehouse: Warehouse;
  /** Closes the warehouse (if still open) and removes everything it stored. */
  cleanup(): Promise<void>;
}

export type MakeWarehouse = () => Promise<WarehouseHarness>;

/** Returns a fresh migrated warehouse for one test; the suite cleans it up afterwards. */
export type Setup = () => Promise<Warehouse>;

/**
 * ONE behavioural suite for every Warehouse adapter, with literal rows and literal expected
 * results: the embedded adapter and ClickHouse must both pass it unchanged.
 */
export function describeWarehouseContract(name: string, make: MakeWarehouse): void {
  describe(`Warehouse contract: ${name}`, () => {
    const open: WarehouseHarness[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((h) => h.cleanup()));
    });
    const setup: Setup = async () => {
      const h = await make();
      open.push(h);
      await h.warehouse.migrate();
      return h.warehouse;
    };
    describeHoursContract(setup, make, open);
    describeReviewContract(setup);
    describeStatsContract(setup);
  });
}
