/**
 * State-store benchmark (not a test): the detector's per-batch access pattern against real Redis.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 pnpm exec tsx packages/state/bench/state.bench.ts [--learners 200000]
 *     [--batch 500] [--state-bytes 300] [--device-every 100] [--in-flight 1,4] [--memory]
 *
 * Per batch: loadLearners (one MGET), loadDevices when the batch has session starts (one pipeline),
 * commit (one EVALSHA). Pass 1 fills 200k learners (reads miss), pass 2 updates them all (reads hit).
 * "In flight" runs that many partitions concurrently, as the detector does with several assignments.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { createMemoryStateStore, createRedisStateStore, type StateStore } from '../src/index';

const { values } = parseArgs({
  options: {
    learners: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '500' },
    'state-bytes': { type: 'string', default: '300' },
    'device-every': { type: 'string', default: '100' },
    'in-flight': { type: 'string', default: '1,4' },
    memory: { type: 'boolean', default: false },
  },
});
const LEARNERS = Number(values.learners);
const BATCH = Number(values.batch);
const STATE_BYTES = Number(values['state-bytes']);
const DEVICE_EVERY = Number(values['device-every']);
const IN_FLIGHT = String(values['in-flight']).split(',').map(Number);
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function stateFor(id: number, version: number): string {
  const head = JSON.stringify({ v: 1, id: `learner-${id}`, version, sessions: [], seen: [] });
  return head + ' '.repeat(Math.max(0, STATE_BYTES - head.length));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface PassResult {
  learnersPerSec: number;
  batches: number;
  p50: number;
  p99: number;
  loadP50: number;
  commitP50: number;
  roundTripsPerBatch: number;
  commandsPerLearner: number;
}

async function runPass(store: StateStore, version: number, inFlight: number): Promise<PassResult> {
  const partitions = Array.from({ length: inFlight }, (_, i) => `bench/${i}`);
  const epochs = new Map<string, number>();
  for (const p of partitions) epochs.set(p, (await store.claimPartition(p)).epoch);
  const before = store.stats();
  const latencies: number[] = [];
  const loads: number[] = [];
  const commits: number[] = [];
  let next = 0;
  let offset = 0;
  const started = performance.now();
  async function worker(partition: string): Promise<void> {
    for (;;) {
      const from = next;
      if (from >= LEARNERS) return;
      const to = Math.min(LEARNERS, from + BATCH);
      next = to;
      const t0 = performance.now();
      const ids: string[] = [];
      for (let i = from; i < to; i++) ids.push(`learner-${i}`);
      const deviceStarts: Array<{ deviceId: string; learnerId: string; timeMs: number }> = [];
      for (let i = from; i < to; i += DEVICE_EVERY) {
        deviceStarts.push({
          deviceId: `device-${i % 50_000}`,
          learnerId: `learner-${i}`,
          timeMs: 1_767_225_600_000 + i,
        });
      }
      const [loaded, devices] = await Promise.all([
        store.loadLearners(ids),
        deviceStarts.length > 0 ? store.loadDevices(deviceStarts.map((d) => d.deviceId)) : undefined,
      ]);
      const t1 = performance.now();
      loads.push(t1 - t0);
      const learners = new Map<string, string>();
      for (let i = from, j = 0; i < to; i++, j++) {
        const id = ids[j]!;
        if (version > 1 && !loaded.has(id)) throw new Error(`lost ${id}`);
        learners.set(id, stateFor(i, version));
      }
      offset += ids.length;
      const outcome = await store.commit({
        partition,
        epoch: epochs.get(partition)!,
        watermark: String(offset),
        learners,
        deviceStarts,
        outbox: '[]',
        deviceVersions: devices?.versions ?? new Map(),
      });
      if (outcome !== 'ok') throw new Error('fenced');
      const t2 = performance.now();
      commits.push(t2 - t1);
      latencies.push(t2 - t0);
    }
  }
  await Promise.all(partitions.map(worker));
  const seconds = (performance.now() - started) / 1000;
  const after = store.stats();
  for (const list of [latencies, loads, commits]) list.sort((a, b) => a - b);
  return {
    learnersPerSec: LEARNERS / seconds,
    batches: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    loadP50: percentile(loads, 50),
    commitP50: percentile(commits, 50),
    roundTripsPerBatch: (after.roundTrips - before.roundTrips) / latencies.length,
    commandsPerLearner: (after.commands - before.commands) / LEARNERS,
  };
}

async function usedMemory(admin: Redis): Promise<number> {
  const info = await admin.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1]);
}

async function deleteByPrefix(admin: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [nextCursor, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    cursor = nextCursor;
    if (keys.length > 0) await admin.unlink(...keys);
  } while (cursor !== '0');
}

function print(label: string, r: PassResult): void {
  console.log(
    `${label.padEnd(34)} ${Math.round(r.learnersPerSec).toLocaleString('en-US').padStart(9)} learners/s` +
      `  p50 ${r.p50.toFixed(1).padStart(6)} ms  p99 ${r.p99.toFixed(1).padStart(6)} ms` +
      ` (load p50 ${r.loadP50.toFixed(1)}, commit p50 ${r.commitP50.toFixed(1)})` +
      `  ${r.roundTripsPerBatch.toFixed(2)} round trips/batch  ${r.commandsPerLearner.toFixed(4)} client commands/learner`,
  );
}

async function main(): Promise<void> {
  console.log(
    `state bench: ${LEARNERS.toLocaleString('en-US')} learners, batches of ${BATCH}, ~${STATE_BYTES}-byte states, ` +
      `a device start every ${DEVICE_EVERY} learners, node ${process.version}`,
  );
  if (values.memory) {
    for (const inFlight of IN_FLIGHT) {
      const store = createMemoryStateStore();
      print(`memory fill    (in flight ${inFlight})`, await runPass(store, 1, inFlight));
      print(`memory update  (in flight ${inFlight})`, await runPass(store, 2, inFlight));
      await store.close();
    }
  }
  const admin = new Redis(url, { lazyConnect: true });
  const server = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1];
  const persistence = (await admin.config('GET', 'appendonly')) as string[];
  console.log(`redis ${server} at ${url} (appendonly ${String(persistence[1])})`);
  for (const inFlight of IN_FLIGHT) {
    const prefix = `hgbench:${randomUUID()}:`;
    const store = createRedisStateStore({ url, keyPrefix: prefix });
    try {
      await store.ping();
      const memBefore = await usedMemory(admin);
      print(`redis fill     (in flight ${inFlight})`, await runPass(store, 1, inFlight));
      const memAfter = await usedMemory(admin);
      print(`redis update   (in flight ${inFlight})`, await runPass(store, 2, inFlight));
      console.log(
        `redis used_memory: +${((memAfter - memBefore) / 1024 / 1024).toFixed(1)} MiB for ${LEARNERS.toLocaleString('en-US')} learners` +
          ` = ${Math.round((memAfter - memBefore) / LEARNERS)} bytes/learner (incl. ${Math.ceil(LEARNERS / DEVICE_EVERY)} device sets)`,
      );
    } finally {
      await store.close();
      await deleteByPrefix(admin, prefix);
    }
  }
  await admin.quit();
}

await main();
