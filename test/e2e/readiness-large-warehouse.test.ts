import { clickHouseOptionsFromUrl, createClickHouseWarehouse } from '@hourglass/warehouse';
import { describe, expect, it } from 'vitest';
import { cleanupsAfterAll } from '../support/cleanups';
import { freePort, serviceProcess } from '../support/processes';
import { realServers, uniqueName } from '../support/servers';

// Found in review: `/readyz` of `hourglass api`, `hourglass aggregator` and `hourglass start` asked the
// warehouse for `counts()`, whose uniqExact over every rejected event (and every flag version) grows with
// the data. With 5 million rejected events stored it took 3-6 s on the 2-core machine, past the 2 s
// bound of /readyz: the API answered 503 on /readyz for ever, and a load balancer or orchestrator took
// it out of service while it answered queries fine.
describe('/readyz does not depend on how much the warehouse holds', () => {
  const servers = realServers();
  const cleanups = cleanupsAfterAll();

  it('`hourglass api` is ready with 5 million rejected events stored', async () => {
    const database = `hg_e2e_${uniqueName('ready').replace(/[^A-Za-z0-9]/g, '_')}`.slice(0, 60);
    const base = servers.clickhouseUrl.replace(/\/$/, '');
    const sql = (query: string) =>
      fetch(`${base}/`, { method: 'POST', body: query }).then(async (r) => {
        if (!r.ok) throw new Error(`${r.status}: ${await r.text()}`);
      });
    cleanups.push(() => sql(`DROP DATABASE IF EXISTS ${database}`));
    const warehouse = createClickHouseWarehouse({
      ...clickHouseOptionsFromUrl(`${base}/${database}`),
      timeZone: 'Asia/Shanghai',
    });
    await warehouse.migrate();
    await warehouse.close();
    // What a platform sending malformed events for a few hours leaves in the rejected table.
    await sql(
      `INSERT INTO ${database}.rejected SELECT
        concat('hourglass.events.rejected.v1/', toString(number % 4), '/', toString(intDiv(number, 4))),
        'cvto', '2026-03-01T08:00:00.000Z', 'ingest', 0, concat('e', toString(number)), 'heartbeat',
        '[{"path":"heartbeat.seq","code":"too_small","message":"x"}]', '{}', 0
      FROM system.numbers LIMIT 5000000`,
    );

    const api = serviceProcess({
      command: 'api',
      name: `${database}-api`,
      port: await freePort(),
      env: { CLICKHOUSE_URL: `${base}/${database}`, KAFKA_BROKERS: '', REDIS_URL: '' },
    });
    cleanups.push(() => api.stop());
    // start() waits (up to 60 s) for /readyz to answer 200.
    await api.start();
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${api.url}/readyz`);
      expect({ status: r.status, body: await r.json() }).toEqual({
        status: 200,
        body: { ready: true, checks: { warehouse: true } },
      });
    }
  }, 180_000);
});
