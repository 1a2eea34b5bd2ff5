import { randomBytes } from 'node:crypto';
import { createClickHouseWarehouse } from '@hourglass/warehouse';
import { afterAll, describe, it } from 'vitest';
import { describeQueryApi } from './testing/suites';

// The only place this package's tests learn where ClickHouse is; src/ never reads the environment.
const url = process.env.CLICKHOUSE_URL;
const NO_SERVICES = 'start the services: bash deploy/local/services.sh up';

/** Runs one statement over ClickHouse's HTTP interface (credentials of the URL go in headers). */
async function command(base: string, sql: string): Promise<void> {
  const u = new URL(base);
  const headers: Record<string, string> = {};
  if (u.username) headers['x-clickhouse-user'] = decodeURIComponent(u.username);
  if (u.password) headers['x-clickhouse-key'] = decodeURIComponent(u.password);
  u.username = '';
  u.password = '';
  const res = await fetch(u, { method: 'POST', body: sql, headers });
  if (!res.ok) throw new Error(`${sql}: ${res.status} ${await res.text()}`);
}

if (url === undefined || url === '') {
  describe('query API on the clickhouse warehouse', () => {
    it('needs CLICKHOUSE_URL', () => {
      throw new Error(NO_SERVICES);
    });
  });
} else {
  // One database for this file, dropped afterwards; the name is ours, never user input.
  const database = `hg_api_test_${randomBytes(4).toString('hex')}`;
  afterAll(async () => {
    await command(url, `DROP DATABASE IF EXISTS ${database}`);
  });
  describeQueryApi('clickhouse', async () =>
    createClickHouseWarehouse({ url, database, timeZone: 'Asia/Shanghai' }),
  );
}
