import { generateTraffic, startAllInOne } from '@hourglass/cli';
import { createDayOf, stateKeyPrefix, topicNames } from '@hourglass/events';
import { createKafkaLog } from '@hourglass/log';
import { DEMO_TOKENS, developmentConfig } from '@hourglass/runtime';
import { clickHouseOptionsFromUrl, createClickHouseWarehouse } from '@hourglass/warehouse';
import { describe, expect, it } from 'vitest';
import { cleanupsAfterAll } from '../support/cleanups';
import { hourglassClient, snapshot } from '../support/client';
import { deleteKeys } from '../support/pipeline';
import { freePort, type ServiceProcess, serviceProcess } from '../support/processes';
import { realServers, uniqueName } from '../support/servers';

/**
 * The same simulated traffic through (a) the embedded all-in-one process and (b) the four services as
 * separate processes on the real Kafka, Redis and ClickHouse — with every one of them SIGKILLed and
 * restarted mid-run — gives identical stats/hours, flags and session timelines, before and after a
 * supervisor's decision.
 */
describe('end to end: embedded all-in-one and separate services on the real servers agree', () => {
  const cleanups = cleanupsAfterAll();

  const traffic = generateTraffic({
    platforms: 3,
    platformIds: ['cvto', 'skillup', 'gongjiang'],
    learners: 90,
    minutes: 90,
    cheaters: 0.3,
    seed: 2026,
    startMs: Date.now() - 5 * 3_600_000,
    idPrefix: `e2e${Date.now().toString(36)}`,
  });
  const half = Math.floor(traffic.events.length / 2);
  const sessions = [
    ...new Map(
      traffic.events
        .filter((e) => e.type !== 'certificate.issued')
        .map((e) => [
          `${e.platformId}/${e.sessionId}`,
          { platformId: e.platformId, sessionId: e.sessionId ?? '' },
        ]),
    ).values(),
  ];
  const dayOf = createDayOf('Asia/Shanghai');
  const days = { from: dayOf(traffic.startMs - 86_400_000), to: dayOf(traffic.endMs + 86_400_000) };

  async function decideFirstOpenFlag(client: ReturnType<typeof hourglassClient>): Promise<string> {
    const flags = (await client.allFlags())
      .filter((f) => f.status === 'open' && Number(f.withheldSeconds) > 0)
      .sort((a, b) => String(a.flagId).localeCompare(String(b.flagId)));
    const flag = flags[0];
    if (!flag) throw new Error('no open flag with withheld time to decide');
    await client.post(
      `/v1/flags/${flag.flagId}/decision`,
      { decision: 'approve', note: 'e2e' },
      DEMO_TOKENS.supervisor,
    );
    return String(flag.flagId);
  }

  it('same events → identical hours, flags and timelines, also after restarts and a decision', async () => {
    // (a) embedded, one process, one partition so both runs see one global order (SPEC §4 lets the
    // shared-device outcome depend on the order of processing across partitions).
    const embedded = await startAllInOne({
      env: { port: 0, topicPrefix: 'hourglass.', logLevel: 'warn' },
      config: developmentConfig(),
      isDevelopmentConfig: true,
      registerSignals: false,
      partitions: 1,
    });
    cleanups.push(() => embedded.close());
    const a = hourglassClient({ ingestUrl: embedded.url, apiUrl: embedded.url });
    expect(await a.replay(traffic.events)).toEqual({ accepted: traffic.events.length, rejected: 0 });
    await a.waitCaughtUp();
    const snapA = await snapshot(a, sessions, days);
    // Non-trivial: many rows, many flags of several kinds, every session has a timeline.
    expect((snapA.hours as { rows: unknown[] }).rows.length).toBeGreaterThan(50);
    expect(new Set(snapA.flags.map((f) => f.kind)).size).toBeGreaterThan(5);
    expect(snapA.timelines).toHaveLength(sessions.length);
    // Reconciliation: every accepted event was processed and counted exactly once.
    expect(snapA.programme.platformQuality.reduce((n, p) => n + p.acceptedEvents, 0)).toBe(
      traffic.events.length,
    );
    const decidedA = await decideFirstOpenFlag(a);
    await a.waitCaughtUp();
    const afterA = await snapshot(a, sessions, days);

    // (b) four processes on the real servers.
    const servers = realServers();
    const prefix = `${uniqueName('e2e')}.`;
    const topics = topicNames(prefix);
    const log = createKafkaLog({ brokers: servers.kafkaBrokers.split(','), clientId: 'e2e' });
    cleanups.push(() => log.close());
    await log.admin().ensureTopics(Object.values(topics).map((name) => ({ name, partitions: 1 })));
    cleanups.push(async () => log.admin().deleteTopics?.(Object.values(topics)));
    cleanups.push(() => deleteKeys(servers.redisUrl, stateKeyPrefix(prefix)));
    const database = `hg_e2e_${prefix.replace(/[^A-Za-z0-9]/g, '_')}`.slice(0, 60);
    const env = {
      KAFKA_BROKERS: servers.kafkaBrokers,
      REDIS_URL: servers.redisUrl,
      CLICKHOUSE_URL: `${servers.clickhouseUrl.replace(/\/$/, '')}/${database}`,
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
    };
    cleanups.push(() =>
      fetch(`${servers.clickhouseUrl}/?query=${encodeURIComponent(`DROP DATABASE IF EXISTS ${database}`)}`, {
        method: 'POST',
      }),
    );
    const procs: ServiceProcess[] = [];
    for (const command of ['aggregator', 'api', 'detector', 'ingest'] as const) {
      procs.push(serviceProcess({ command, name: `${prefix}${command}`, port: await freePort(), env }));
    }
    cleanups.push(() => Promise.all(procs.map((p) => p.stop())));
    for (const p of procs) await p.start();
    const [, api, , ingest] = procs as [ServiceProcess, ServiceProcess, ServiceProcess, ServiceProcess];
    const b = hourglassClient({ ingestUrl: ingest.url, apiUrl: api.url });
    expect(await b.replay(traffic.events.slice(0, half))).toEqual({ accepted: half, rejected: 0 });
    // Crash every service mid-run (no graceful shutdown, no commit) and bring it back.
    for (const p of procs) {
      await p.kill();
      await p.start();
    }
    expect(await b.replay(traffic.events.slice(half))).toEqual({
      accepted: traffic.events.length - half,
      rejected: 0,
    });
    await b.waitCaughtUp();
    const snapB = await snapshot(b, sessions, days);
    expect(snapB.total).toEqual(snapA.total);
    expect(snapB.hours).toEqual(snapA.hours);
    expect(snapB.flags).toEqual(snapA.flags);
    expect(snapB.timelines).toEqual(snapA.timelines);
    // Counts too: crashes and redeliveries neither lost nor double-counted an event.
    expect(snapB.programme).toEqual(snapA.programme);
    // The warehouse's own reconciliation: every segment once, learners' totals add up, and every
    // platform stored exactly the segments the detector counted for it.
    const stored = createClickHouseWarehouse({
      ...clickHouseOptionsFromUrl(env.CLICKHOUSE_URL),
      timeZone: developmentConfig().timezone,
    });
    cleanups.push(() => stored.close());
    const reconciliation = await stored.reconcile();
    expect(reconciliation.duplicateSegmentIds).toBe(0);
    expect(reconciliation.mismatchedLearners).toEqual([]);
    expect(reconciliation.segmentsByPlatform.length).toBeGreaterThan(0);
    for (const p of reconciliation.segmentsByPlatform) {
      expect(p.stored, p.platformId).toBeGreaterThan(0);
      expect(p.stored, p.platformId).toBe(p.emitted);
    }

    const decidedB = await decideFirstOpenFlag(b);
    expect(decidedB).toBe(decidedA);
    await b.waitCaughtUp();
    const afterB = await snapshot(b, sessions, days);
    expect(afterB).toEqual(afterA);
    // The approval moved exactly the flag's withheld time from pending to verified.
    const t0 = (snapA.total as { rows: Record<string, number>[] }).rows[0]!;
    const t1 = (afterA.total as { rows: Record<string, number>[] }).rows[0]!;
    expect(t1.verifiedHours! + t1.pendingHours!).toBeCloseTo(t0.verifiedHours! + t0.pendingHours!, 9);
    expect(t1.verifiedHours!).toBeGreaterThan(t0.verifiedHours!);
  }, 600_000);
});
