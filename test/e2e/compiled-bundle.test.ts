import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundle } from '@hourglass/cli/bundle';
import { beforeAll, describe, expect, it } from 'vitest';
import { sitting } from '../support/all-in-one';
import { cleanupsAfterAll } from '../support/cleanups';
import { hourglassClient } from '../support/client';
import { kafkaRun } from '../support/pipeline';
import { detectorProcess, freePort, serviceProcess } from '../support/processes';

const ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * The compiled `hourglass` (pnpm build; packages/cli/scripts/bundle.ts) is what production runs, so it
 * gets the same treatment as the workspace bin: a sitting through `hourglass start`, and one service on
 * the real servers. In a bundle every module shares one URL, so each service's main.ts could take
 * itself for the entry script and start beside the one the CLI starts (runIfMain's HOURGLASS_BUNDLE).
 */
describe('the compiled hourglass', () => {
  const cleanups = cleanupsAfterAll();
  let bin = '';

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hourglass-bundle-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    bin = join(dir, 'hourglass.mjs');
    await bundle({ entry: join(ROOT, 'packages', 'cli', 'src', 'bin.ts'), outfile: bin });
  }, 60_000);

  it('`hourglass start` credits a sitting and ends with exit code 0 on SIGTERM', async () => {
    const hg = serviceProcess({
      command: 'start',
      name: 'compiled-start',
      port: await freePort(),
      // Embedded log, state and warehouse.
      env: { KAFKA_BROKERS: '', REDIS_URL: '', CLICKHOUSE_URL: '' },
      bin,
    });
    cleanups.push(() => hg.stop());
    await hg.start();
    const client = hourglassClient({ ingestUrl: hg.url, apiUrl: hg.url });
    const events = sitting('L-compiled');
    expect(await client.replay(events)).toEqual({ accepted: events.length, rejected: 0 });
    await client.waitCaughtUp();
    const hours = (await client.get('/v1/stats/hours?from=2026-03-01&to=2026-03-01&groupBy=learner')) as {
      rows: { learnerId: string; verifiedHours: number }[];
    };
    expect(hours.rows.map((r) => [r.learnerId, r.verifiedHours])).toEqual([['L-compiled', 60 / 3600]]);
    expect(await hg.stop()).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('`hourglass detector` starts one detector, on real Kafka and Redis, and stops cleanly', async () => {
    const { servers, prefix } = await kafkaRun({ name: 'compiled-detector', cleanups, eventsPartitions: 1 });
    const detector = await detectorProcess({
      servers,
      prefix,
      sessionTimeoutMs: 10_000,
      bin,
      logLevel: 'info',
    });
    cleanups.push(() => detector.stop());
    await detector.start(); // resolves once /readyz answered 200
    expect(await detector.stop()).toEqual({ code: 0, signal: null });
    // Without the guard the detector's own main.ts started a second detector beside the CLI's: two
    // consumers in the group, both answering on the port.
    const log = readFileSync(join(ROOT, 'test', '.logs', `${detector.name}-0.log`), 'utf8');
    expect(log.match(/"msg":"hourglass detector starting"/g)).toHaveLength(1);
    expect(log).toMatch(/"msg":"shutdown complete"/);
  }, 120_000);
});
