import { WarehouseError } from '../errors';

/**
 * CLICKHOUSE_URL names the server and, optionally, the database as its path and the credentials
 * as its user info: `http://user:pass@host:8123/hourglass_prod`. Without a path the database is
 * `hourglass`. One variable keeps separately started services pointed at the same database.
 */
export function clickHouseOptionsFromUrl(raw: string): {
  url: string;
  database: string;
  username?: string;
  password?: string;
} {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new WarehouseError('invalid', `CLICKHOUSE_URL is not a URL: ${raw}`);
  }
  const path = decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, ''));
  if (path !== '' && !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(path)) {
    throw new WarehouseError('invalid', `CLICKHOUSE_URL path must be a database name, got "${path}"`);
  }
  const out: { url: string; database: string; username?: string; password?: string } = {
    url: `${u.protocol}//${u.host}`,
    database: path || 'hourglass',
  };
  if (u.username) out.username = decodeURIComponent(u.username);
  if (u.password) out.password = decodeURIComponent(u.password);
  return out;
}
