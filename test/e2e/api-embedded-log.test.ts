import { DEMO_TOKENS } from '@hourglass/runtime';
import { describe, expect, it } from 'vitest';
import { cleanupsAfterAll } from '../support/cleanups';
import { freePort, serviceProcess } from '../support/processes';
import { realServers, uniqueName } from '../support/servers';

// SPEC §5: caughtUp is true when every event accepted so far is reflected in the query API. `hourglass api`
// started with CLICKHOUSE_URL (the warehouse the other services write) but without KAFKA_BROKERS read its
// pipeline status from an in-process log of its own, which is always empty: caughtUp true and lag 0 at once,
// whatever the ingest and detector on Kafka had accepted. The services README: a status that cannot be
// determined is 503, never a guessed caughtUp.
describe('hourglass api with CLICKHOUSE_URL and no KAFKA_BROKERS', () => {
  const cleanups = cleanupsAfterAll();

  it('answers /v1/admin/pipeline 503, not caughtUp true from an empty in-process log of its own', async () => {
    const servers = realServers();
    const db = uniqueName('caughtup_api').replaceAll('-', '_');
    cleanups.push(() =>
      fetch(`${servers.clickhouseUrl}/?query=${encodeURIComponent(`DROP DATABASE IF EXISTS ${db}`)}`, {
        method: 'POST',
      }),
    );
    const api = serviceProcess({
      command: 'api',
      name: `${db}-api`,
      port: await freePort(),
      env: {
        CLICKHOUSE_URL: `${servers.clickhouseUrl.replace(/\/$/, '')}/${db}`,
        KAFKA_BROKERS: '',
        REDIS_URL: '',
      },
    });
    cleanups.push(() => api.stop());
    await api.start();
    const res = await fetch(`${api.url}/v1/admin/pipeline`, {
      headers: { authorization: `Bearer ${DEMO_TOKENS.admin}` },
    });
    // On main: 200 {"caughtUp":true,"stages":[{"name":"detector","lag":0,...},{"name":"aggregator","lag":0,...}]}
    expect({ status: res.status, body: await res.json() }).toMatchObject({
      status: 503,
      body: { error: { code: 'unavailable' } },
    });
  }, 90_000);
});
