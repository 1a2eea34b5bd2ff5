import { createServer, request, type Server } from 'node:http';
import type { AcceptedEvent } from '@hourglass/events';
import type { OutgoingRecord } from '@hourglass/log';
import { createPolicyFor, runSequence } from '@hourglass/rules';
import type { HoursQuery } from '@hourglass/warehouse';
import { describe, expect, it } from 'vitest';
import { aggregatorRun } from '../support/aggregator-run';
import { cleanupsAfterAll } from '../support/cleanups';
import { freePort, serviceProcess } from '../support/processes';
import { eventually } from '../support/servers';

/**
 * Two `hourglass aggregator` processes in one group (README "scaling out": "any number of processes in
 * its group; inserts are idempotent"). Aggregator A reaches ClickHouse through a proxy that holds the
 * answers of its segment duplicate checks (a slow server, a network stall, a long GC pause: A is stuck
 * inside one write attempt, and the aggregator sends no heartbeat during one). After its session times
 * out, its partitions go to B, which writes the same segments. Then A's held check answers "none stored"
 * (true when it was asked) and A inserts them again. `segments` folds the copies on merge, but the
 * `by_learner` view sums each verified segment twice, for good: the hours are doubled.
 *
 * Found by review 'scale-out' with real processes: one 15 s stall of one aggregator's check (session
 * timeout 6 s) doubled the verified hours of 132 of 771 learner rows (228.08 h verified in all became
 * 230.45 h) and reconcile() named the learners. packages/warehouse/README.md calls two processes
 * inserting the same segment "at the same moment" a rebalance-overlap corner case; a stall of one
 * session timeout between the check and the insert is enough, and the default request timeout (30 s)
 * equals the default session timeout (30 s).
 *
 * Fixed: a duplicate check answered more than 5 s after it was asked is asked again before the insert
 * (clickhouse/segment-insert.ts), so A's late "none stored" is not acted on. Left, as the warehouse
 * README says: an INSERT that itself stalls that long after a fresh check can still land after the next
 * owner's. Nothing fences a writer that lost its partitions; closing that needs an idempotent
 * `by_learner` (rows keyed by segment) or a correction of `by_learner` from `segments`.
 */
describe('two aggregators, one stalled inside a write while its partitions move', () => {
  const cleanups = cleanupsAfterAll();

  it('a segment written by the new owner and again by the stalled old owner is counted once', async () => {
    const {
      servers,
      topics,
      database,
      prefix,
      log,
      warehouse,
      aggregator: b,
    } = await aggregatorRun({
      name: 'zombie-agg',
      cleanups,
      sessionTimeoutMs: 6000,
      batchRows: 50_000,
    });

    // A proxy in front of ClickHouse for aggregator A: while `holding`, answers of segment duplicate
    // checks are kept back until released.
    const target = new URL(servers.clickhouseUrl);
    let holding = true;
    let held = 0;
    const waiting: (() => void)[] = [];
    const proxy: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const text = `${decodeURIComponent(req.url ?? '')} ${body.toString('latin1')}`;
        const hold = holding && /SELECT segmentId FROM/.test(text);
        const up = request(
          {
            host: target.hostname,
            port: Number(target.port),
            method: req.method,
            path: req.url,
            headers: req.headers,
          },
          (r) => {
            const out: Buffer[] = [];
            r.on('data', (c: Buffer) => out.push(c));
            r.on('end', () => {
              const answer = () => {
                res.writeHead(r.statusCode ?? 502, r.headers);
                res.end(Buffer.concat(out));
              };
              if (hold) {
                held += 1;
                waiting.push(answer);
              } else answer();
            });
          },
        );
        up.on('error', (e) => {
          res.writeHead(502);
          res.end(String(e));
        });
        up.end(body);
      });
    });
    const proxyPort = await freePort();
    await new Promise<void>((r) => proxy.listen(proxyPort, '127.0.0.1', r));
    cleanups.push(async () => {
      for (const w of waiting.splice(0)) w();
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
    });

    const a = serviceProcess({
      command: 'aggregator',
      name: `${prefix}aggregator-a`,
      port: await freePort(),
      env: {
        KAFKA_BROKERS: servers.kafkaBrokers,
        CLICKHOUSE_URL: `http://127.0.0.1:${proxyPort}/${database}`,
        KAFKA_TOPIC_PREFIX: prefix,
        KAFKA_SESSION_TIMEOUT_MS: '6000',
      },
    });
    cleanups.push(() => a.stop());
    // A alone in the group first (it migrates through the proxy: only segment checks are held).
    await a.start();

    // Eight learners, each one session: start, then two active heartbeats 30 s apart: 60 s verified each.
    const events: AcceptedEvent[] = [];
    for (let i = 1; i <= 8; i++) {
      const base = { platformId: 'cvto', learnerId: `zl${i}`, sessionId: `zs${i}` } as const;
      events.push({
        ...base,
        id: `zl${i}-start`,
        type: 'session.start',
        time: '2026-03-01T08:00:00.000Z',
        receivedAt: '2026-03-01T08:00:01.000Z',
        courseId: 'weld-101',
        deviceId: `zd${i}`,
      });
      for (const [seq, time] of [
        [1, '2026-03-01T08:00:30.000Z'],
        [2, '2026-03-01T08:01:00.000Z'],
      ] as const) {
        events.push({
          ...base,
          id: `zl${i}-hb${seq}`,
          type: 'heartbeat',
          time,
          receivedAt: time.replace('.000Z', '.500Z'),
          courseId: 'weld-101',
          seq,
          intervalSec: 30,
          focus: true,
          interactions: 3,
        });
      }
    }
    const segments = runSequence(events, createPolicyFor()).out.flatMap((o) => o.segments);
    expect(segments.map((s) => [s.status, s.endMs - s.startMs])).toEqual(
      Array.from({ length: 16 }, () => ['verified', 30_000]),
    );
    const producer = log.producer();
    cleanups.push(() => producer.disconnect());
    const records: OutgoingRecord[] = segments.map((s) => ({
      topic: topics.segments,
      key: s.learnerId,
      value: JSON.stringify(s),
    }));
    await producer.send(records);

    // A is now inside its write, waiting for its duplicate check. B joins; A sends no heartbeat, so after
    // its session timeout the group gives B every partition, and B writes the segments.
    await eventually(
      async () => held,
      (n) => n > 0,
      { timeoutMs: 60_000, what: "aggregator A's segment check" },
    );
    await b.start();
    const total: HoursQuery = { fromDay: '2026-03-01', toDay: '2026-03-01', groupBy: [], filters: {} };
    await eventually(
      async () => (await warehouse.counts()).segments,
      (n) => n === 16,
      { timeoutMs: 90_000, what: 'aggregator B to write the segments' },
    );
    // The by_learner view's part of B's insert lands a moment after the segments' (one INSERT, two parts).
    await eventually(
      async () => (await warehouse.queryHours(total))[0]?.verifiedMs,
      (ms) => ms === 480_000,
      { timeoutMs: 30_000, what: "B's hours" },
    );

    // A's checks answer now (nothing was stored when they ran), and A goes on with its write.
    holding = false;
    for (const w of waiting.splice(0)) w();
    await new Promise((r) => setTimeout(r, 10_000));
    await a.stop();
    await b.stop();

    // 8 learners × 60 s, once.
    expect((await warehouse.queryHours(total))[0]?.verifiedMs).toBe(480_000);
    expect((await warehouse.reconcile()).mismatchedLearners).toEqual([]);
  }, 240_000);
});
