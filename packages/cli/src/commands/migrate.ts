import { loadConfig, loadEnv } from '@hourglass/runtime';
import {
  clickHouseOptionsFromUrl,
  createClickHouseWarehouse,
  createEmbeddedWarehouse,
} from '@hourglass/warehouse';

export async function runMigrate(processEnv: NodeJS.ProcessEnv): Promise<number> {
  const env = loadEnv(processEnv);
  const config = loadConfig(env.configPath);
  const warehouse = env.clickhouseUrl
    ? createClickHouseWarehouse({ ...clickHouseOptionsFromUrl(env.clickhouseUrl), timeZone: config.timezone })
    : createEmbeddedWarehouse({ timeZone: config.timezone });
  try {
    const { applied } = await warehouse.migrate();
    process.stdout.write(
      applied.length > 0 ? `applied migrations: ${applied.join(', ')}\n` : 'warehouse is up to date\n',
    );
    return 0;
  } finally {
    await warehouse.close();
  }
}
