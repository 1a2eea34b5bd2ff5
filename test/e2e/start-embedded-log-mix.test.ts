import type { AcceptedEvent } from '@hourglass/events';
import { stateKeyPrefix } from '@hourglass/events';
import type { Env } from '@hourglass/runtime';
import { describe, expect, it } from 'vitest';
import { hoursAndCounts, sitting, withAllInOne } from '../support/all-in-one';
import { cleanupsAfterAll } from '../support/cleanups';
import { deleteKeys } from '../support/pipeline';
import { realServers, uniqueName } from '../support/servers';

/** Starts `hourglass start`, replays `events`, waits for the pipeline, reads hours and counts, stops it. */
async function run(env: Env, events: AcceptedEvent[]) {
  return withAllInOne(env, async (client) => {
    expect(await client.replay(events)).toEqual({ accepted: events.length, rejected: 0 });
    await client.waitCaughtUp();
    return hoursAndCounts(client);
  });
}

/** L-ann's sitting, a restart on the same settings, then L-bo's: what the API answers after each. */
async function restarted(env: Env) {
  return { first: await run(env, sitting('L-ann')), second: await run(env, sitting('L-bo')) };
}

// Found in review (embedded mode): SPEC §6 and `hourglass start --help` let each of KAFKA_BROKERS,
// REDIS_URL and CLICKHOUSE_URL switch its part alone. The embedded log starts empty, at offset 0, at
// every start; a Redis or ClickHouse kept from the previous start describes the previous log's offsets.
// On main, after a restart:
// - with REDIS_URL: the detector took the new events at offsets 0-2 for redeliveries below the stored
//   watermark and skipped them, and re-produced the previous start's outbox instead: the API showed
//   L-ann's 60 s (events of the previous start) and nothing of L-bo, whose three events were answered
//   200 and lost;
// - with CLICKHOUSE_URL: count records are named by (partition, stretch of offsets) and rejected
//   events by (topic, partition, offset), and the warehouse keeps the first/furthest copy of each id:
//   the new start's counts were dropped, acceptedEvents stayed 3 for 6 accepted events (a rejected
//   event at an offset the previous start used would be dropped the same way).
// Neither can be made consistent without persisting the log, so `hourglass start` refuses the mix.
describe('hourglass start on the embedded log with a real state store or warehouse', () => {
  const cleanups = cleanupsAfterAll();
  const servers = realServers();

  it('is refused with REDIS_URL set: after a restart the detector skipped the new events', async () => {
    const prefix = `${uniqueName('embedded-mix')}.`;
    cleanups.push(() => deleteKeys(servers.redisUrl, stateKeyPrefix(prefix)));
    const env: Env = { port: 0, topicPrefix: prefix, logLevel: 'warn', redisUrl: servers.redisUrl };
    const outcome = await restarted(env).catch((err: Error) => ({ refused: err.message }));
    // On main: { first: { hours: [['L-ann', 60 / 3600]], … }, second: { hours: [['L-ann', 60 / 3600]],
    // acceptedEvents: [['cvto', 3]] } }: L-bo's accepted events lost.
    expect(outcome).toEqual({
      refused: expect.stringContaining('REDIS_URL is set but KAFKA_BROKERS is not'),
    });
  }, 120_000);

  it('is refused with CLICKHOUSE_URL set: after a restart the new counts were dropped', async () => {
    const prefix = `${uniqueName('embedded-mix')}.`;
    const database = `embedded_${prefix.replace(/[^A-Za-z0-9]/g, '_')}`.slice(0, 60);
    const base = servers.clickhouseUrl.replace(/\/$/, '');
    cleanups.push(() =>
      fetch(`${base}/?query=${encodeURIComponent(`DROP DATABASE IF EXISTS ${database}`)}`, {
        method: 'POST',
      }),
    );
    const env: Env = { port: 0, topicPrefix: prefix, logLevel: 'warn', clickhouseUrl: `${base}/${database}` };
    const outcome = await restarted(env).catch((err: Error) => ({ refused: err.message }));
    // On main: second: { hours: [['L-ann', 60 / 3600], ['L-bo', 60 / 3600]], acceptedEvents: [['cvto', 3]] }.
    expect(outcome).toEqual({
      refused: expect.stringContaining('CLICKHOUSE_URL is set but KAFKA_BROKERS is not'),
    });
  }, 120_000);
});
