import { type AcceptedEvent, stateKeyPrefix, topicNames } from '@hourglass/events';
import { createKafkaLog } from '@hourglass/log';
import type { Env } from '@hourglass/runtime';
import { describe, expect, it } from 'vitest';
import { hoursAndCounts, sitting, withAllInOne } from '../support/all-in-one';
import { cleanupsAfterAll } from '../support/cleanups';
import { deleteKeys } from '../support/pipeline';
import { realServers, uniqueName } from '../support/servers';

/** Starts `hourglass start`, replays each group of events in turn, waits for the pipeline, reads hours and counts, stops it. */
async function run(env: Env, ...groups: AcceptedEvent[][]) {
  return withAllInOne(env, async (client) => {
    // Each group through the whole pipeline before the next (a detector batch of its own).
    for (const events of groups) {
      expect(await client.replay(events)).toEqual({ accepted: events.length, rejected: 0 });
      await client.waitCaughtUp();
    }
    return hoursAndCounts(client);
  });
}

/** L-ann's then L-cy's sitting, a restart on the same settings, then L-bo's: the API's answers after each. */
async function restarted(env: Env) {
  return {
    first: await run(env, sitting('L-ann'), sitting('L-cy')),
    second: await run(env, sitting('L-bo')),
  };
}

// Found in review (embedded mode): `hourglass start` with KAFKA_BROKERS and no CLICKHOUSE_URL (the README's
// "each unset → embedded adapter") keeps the aggregator's committed offsets in Kafka but its warehouse in
// memory. After a restart the warehouse is empty and the aggregator resumes after its committed offsets,
// so everything it stored before is gone from the API for good, with /v1/admin/pipeline caughtUp:
// - with the embedded state store, the detector rebuilds from offset 0 and re-emits the segments, but
//   counts only from where the log resumed (README: a rebuild with nothing stored): acceptedEvents 3 for
//   9 accepted events; decisions and rejected events of the earlier start are gone too;
// - with REDIS_URL, only the last batch's outbox is produced again (at the claim): the hours of the
//   learners of every earlier batch are gone.
// Fixed: on Kafka the embedded warehouse is rebuilt from the topics at every start (the aggregator reads
// them from the beginning under a group of that start's own, and /v1/admin/pipeline follows it).
describe('hourglass start on Kafka with the embedded warehouse, restarted', () => {
  const cleanups = cleanupsAfterAll();
  const servers = realServers();

  function kafkaEnv(extra: Partial<Env> = {}): Env {
    const prefix = `${uniqueName('embedded-kafka')}.`;
    const log = createKafkaLog({ brokers: servers.kafkaBrokers.split(','), clientId: 'embedded-kafka' });
    cleanups.push(() => log.close());
    cleanups.push(async () => log.admin().deleteTopics?.(Object.values(topicNames(prefix))));
    cleanups.push(() => deleteKeys(servers.redisUrl, stateKeyPrefix(prefix)));
    return {
      port: 0,
      topicPrefix: prefix,
      logLevel: 'silent',
      kafkaBrokers: servers.kafkaBrokers.split(','),
      kafkaSessionTimeoutMs: 6000,
      ...extra,
    };
  }

  it('counts every accepted event after the restart', async () => {
    const { second } = await restarted(kafkaEnv());
    expect(second).toEqual({
      hours: [
        ['L-ann', 60 / 3600],
        ['L-bo', 60 / 3600],
        ['L-cy', 60 / 3600],
      ],
      acceptedEvents: [['cvto', 9]],
    });
  }, 180_000);

  it('with REDIS_URL, keeps the hours verified before the restart', async () => {
    const { second } = await restarted(kafkaEnv({ redisUrl: servers.redisUrl }));
    expect(second).toEqual({
      hours: [
        ['L-ann', 60 / 3600],
        ['L-bo', 60 / 3600],
        ['L-cy', 60 / 3600],
      ],
      acceptedEvents: [['cvto', 9]],
    });
  }, 180_000);
});
