import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Segment } from '@hourglass/events';
import { afterAll, describe, expect, it } from 'vitest';
import { createClickHouseWarehouse } from './clickhouse/warehouse';
import { createEmbeddedWarehouse } from './embedded/warehouse';
import { isWarehouseError } from './errors';
import { SEGMENTS, TZ } from './testing/fixtures';
import { testDatabases } from './testing/test-databases';

/**
 * An insert whose reply is lost while ClickHouse is still running it (the connection dropped, or the
 * client's request timeout fired under load). The aggregator retries the rows of such a write, but not
 * as the same write: each partition's batch is redelivered after its own jittered backoff, so the rows
 * of one group write come back in other groups, whose inserts carry other query ids (no 216). Found in
 * review: the retry's duplicate check ran while the first insert was still running, found nothing, and
 * the rows were inserted twice: `segments` held them twice until a merge, and `by_learner` summed their
 * verified time twice for good.
 *
 * A small HTTP proxy in front of ClickHouse plays the lost reply: it passes a chosen INSERT on to the
 * server but holds back its last byte for a while (so the server is still running it), and drops the
 * client's connection at once.
 */
const raw = process.env.CLICKHOUSE_URL;

/** One of 20,000 verified 10-second segments of learner L9 (platform gamma), from 2026-03-10. */
function segment(i: number): Segment {
  const startMs = Date.UTC(2026, 2, 10, 0, 0) + i * 10_000;
  return {
    segmentId: `gamma-S9-${i}`,
    learnerId: 'L9',
    platformId: 'gamma',
    sessionId: 'S9',
    courseId: 'C9',
    deviceId: 'D9',
    occupation: 'unknown',
    region: 'unknown',
    learnerGroup: 'unknown',
    startMs,
    endMs: startMs + 10_000,
    status: 'verified',
    kinds: [],
    flagIds: [],
    eventId: `e-gamma-${i}`,
  };
}

function slowInsertProxy(target: URL, holdMs: number) {
  let armed: RegExp | undefined;
  let released!: () => void;
  const done = new Promise<void>((r) => {
    released = r;
  });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const query = decodeURIComponent((req.url ?? '').replace(/\+/g, ' '));
      const headers = { ...req.headers };
      const slow = armed?.test(query) === true;
      if (slow) {
        armed = undefined;
        delete headers['content-length'];
        headers['transfer-encoding'] = 'chunked';
      }
      const up = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
        (r) => {
          if (slow) {
            r.resume();
            r.on('end', released);
            return;
          }
          res.writeHead(r.statusCode ?? 500, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', (e) => res.destroy(e));
      if (!slow) {
        up.end(body);
        return;
      }
      // The server has the query and all but one byte of its rows, and has begun it; then the client
      // loses its connection.
      up.write(body.subarray(0, body.length - 1));
      setTimeout(() => res.socket?.destroy(), 300);
      setTimeout(() => up.end(body.subarray(body.length - 1)), holdMs);
    });
  });
  return {
    async start(): Promise<string> {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    /** The next request whose query matches is slowed down as described above. */
    arm(match: RegExp) {
      armed = match;
    },
    /** Resolves once the slowed insert has finished on the server. */
    finished: done,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe.runIf(raw)('an insert whose reply is lost while the server still runs it', () => {
  const { url, creds, database } = testDatabases(raw as string, 'hg_doubt');
  const proxies: ReturnType<typeof slowInsertProxy>[] = [];
  afterAll(async () => {
    for (const p of proxies) await p.close();
  });

  it('its rows written again in another grouping are stored once, and hours count them once', async () => {
    const p = slowInsertProxy(new URL(url), 1500);
    proxies.push(p);
    const via = await p.start();
    const w = createClickHouseWarehouse({ url: via, ...creds, database: database(), timeZone: TZ });
    await w.migrate();
    const a = SEGMENTS.slice(0, 4); // one partition's batch…
    // …and another's, written together in one group. Large enough (~2 MB) that 18.16 begins the insert
    // before it has all of it (it lists a query once it has read the first MiB of its body).
    const b = [...SEGMENTS.slice(4), ...Array.from({ length: 20_000 }, (_, i) => segment(i))];
    p.arm(/INSERT INTO \S+\.segments/);
    const first = await w.insertSegments([...a, ...b]).then(
      () => 'ok',
      (err: unknown) => (isWarehouseError(err, 'unavailable') ? 'unavailable' : String(err)),
    );
    expect(first).toBe('unavailable');
    // The retry: batch a comes back on its own while the first insert still runs on the server.
    await w.insertSegments(a);
    await p.finished;
    await w.insertSegments(b);

    const e = createEmbeddedWarehouse({ timeZone: TZ });
    await e.insertSegments([...a, ...b]);
    const q = { fromDay: '2026-02-01', toDay: '2026-03-31', groupBy: ['learner' as const], filters: {} };
    expect(await w.queryHours(q)).toEqual(await e.queryHours(q));
    expect(await w.counts()).toEqual(await e.counts());
    expect(await w.reconcile()).toEqual({
      duplicateSegmentIds: 0,
      mismatchedLearners: [],
      segmentsByPlatform: [],
    });
    await w.close();
  }, 30_000);
});
