import { randomBytes } from 'node:crypto';
import { clickHouseOptionsFromUrl, createClickHouseWarehouse } from '@hourglass/warehouse';
import { afterAll, describe, it } from 'vitest';
import { describeQueryApi } from './testing/suites';

// The only place this package's tests learn where ClickHouse is; src/ never reads the environment.
const url = process.env.CLICKHOUSE_URL;
const NO_SERVICES = 'start the services: bash deploy/local/services.sh up';

/** Runs one statement over ClickHouse's HTTP interface (credentials of the URL go in headers). */
async function command(raw: string, sql: string): Promise<void> {
  const { url: base, username, password } = clickHouseOptionsFromUrl(raw);
  const headers: Record<string, string> = {};
  if (username !== undefined) headers['x-clickhouse-user'] = username;
  if (password !== undefined) headers['x-clickhouse-key'] = password;
  const res = await fetch(base, { method: 'POST', body: sql, headers });
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
    // Server and credentials from the URL; the database is always this file's own.
    createClickHouseWarehouse({ ...clickHouseOptionsFromUrl(url), database, timeZone: 'Asia/Shanghai' }),
  );
}
