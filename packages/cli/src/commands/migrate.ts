import { loadConfig, loadEnv } from '@hourglass/runtime';
import { openWarehouse } from '@hourglass/warehouse';

export async function runMigrate(processEnv: NodeJS.ProcessEnv): Promise<number> {
  const env = loadEnv(processEnv);
  const config = loadConfig(env.configPath);
  const warehouse = openWarehouse({ url: env.clickhouseUrl, timeZone: config.timezone });
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
