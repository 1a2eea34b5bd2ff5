import { randomBytes } from 'node:crypto';
import { createClient } from '@clickhouse/client';
import { afterAll } from 'vitest';
import { clickHouseOptionsFromUrl } from '../clickhouse/url';

/**
 * A test file's own databases on the ClickHouse at `raw` (a CLICKHOUSE_URL; a database in its path is
 * ignored): each named `<label>_<random>_<name>`, all dropped after the file's tests.
 */
export function testDatabases(raw: string, label: string) {
  const { url, username, password } = clickHouseOptionsFromUrl(raw);
  const creds = {
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
  const prefix = `${label}_${randomBytes(4).toString('hex')}`;
  let n = 0;
  const created: string[] = [];
  const admin = createClient({ url, ...creds, keep_alive: { idle_socket_ttl: 2_000 } });
  afterAll(async () => {
    for (const db of created) await admin.command({ query: `DROP DATABASE IF EXISTS ${db}` });
    await admin.close();
  });
  return {
    url,
    creds,
    /** A client for what the tests ask the server directly. */
    admin,
    /** A new database name (numbered unless named), dropped after the file's tests. */
    database(name?: string): string {
      const database = `${prefix}_${name ?? ++n}`;
      created.push(database);
      return database;
    },
    /** A name under the prefix that nothing creates. */
    unused: (name: string) => `${prefix}_${name}`,
  };
}
