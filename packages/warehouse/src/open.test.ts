import { describe, expect, it } from 'vitest';
import { openWarehouse } from './open';

describe('openWarehouse', () => {
  it('is ClickHouse when a URL is given and the embedded store otherwise', async () => {
    const ch = openWarehouse({ url: 'http://127.0.0.1:8123/hg_open_test', timeZone: 'Asia/Shanghai' });
    const embedded = openWarehouse({ timeZone: 'Asia/Shanghai' });
    expect([ch.kind, embedded.kind]).toEqual(['clickhouse', 'embedded']);
    await Promise.all([ch.close(), embedded.close()]);
  });
});
