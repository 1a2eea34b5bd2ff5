import { createEmbeddedWarehouse } from './embedded/warehouse';
import { describeWarehouseContract } from './testing/contract';
import { TZ } from './testing/fixtures';

describeWarehouseContract('embedded', async () => {
  const warehouse = createEmbeddedWarehouse({ timeZone: TZ });
  return { warehouse, cleanup: () => warehouse.close() };
});
