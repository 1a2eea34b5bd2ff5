/**
 * The client CPU of one state commit against a real Redis, outbox as text (encodeOutbox) or as bytes
 * (encodeOutboxBytes), alternating blocks of batches. Not a test: it measures what the end-to-end bench
 * cannot resolve, whose detector CPU per event swings by ±2 µs with other work on the 2 cores.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 node --max-semi-space-size=32 --import tsx \
 *     services/detector/bench/commit-encoding.bench.ts
 *
 * Each batch commits 2,000 learner states of ~480 B and an outbox of 2,000 segment-like records (~0.75 MB),
 * as a batch of `pnpm bench:detector` does. The data is generated before measuring (12 batches, reused),
 * so that its garbage is not collected inside the measured commits. Keys live under a prefix of their own,
 * deleted at the end. Redis CPU is the server's (INFO cpu), so other clients' work counts there.
 */
import { createRedisStateStore, deleteKeysUnder } from '@hourglass/state';
import { Redis } from 'ioredis';
import { encodeOutbox, encodeOutboxBytes } from '../src/outbox';

const N = 2000;
const BLOCK = 40;
const ROUNDS = 6;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const rnd = (n: number) => Array.from({ length: n }, () => ALPHABET[(Math.random() * 36) | 0]).join('');
const segment = () =>
  `{"segmentId":"${rnd(20)}","learnerId":"${rnd(12)}","platformId":"p1","sessionId":"${rnd(16)}",` +
  `"courseId":"c-${rnd(6)}","deviceId":"${rnd(10)}","occupation":"nurse","region":"${rnd(4)}",` +
  `"learnerGroup":"g1","startMs":${Date.now()},"endMs":${Date.now() + 30000},"status":"open",` +
  `"kinds":["heartbeat"],"flagIds":[],"eventId":"${rnd(20)}"}`;

const data = Array.from({ length: 12 }, (_, b) => ({
  records: Array.from({ length: N }, () => ({ topic: 'bench.segments', key: rnd(12), value: segment() })),
  learners: new Map(Array.from({ length: N }, (_, i) => [`L${b % 5}-${i}`, `2|L${i}|${rnd(470)}`])),
}));

const prefix = `hgbench-commit${Date.now()}:`;
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const store = createRedisStateStore({ url: '', redis, keyPrefix: prefix });
const { epoch } = await store.claimPartition('t/0');
let watermark = 0;

async function redisCpuSeconds(): Promise<number> {
  const info = await redis.info('cpu');
  return Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1]) + Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]);
}

/** CPU ms per batch: this process (encoding and commit) and the Redis server. */
async function block(mode: 'text' | 'bytes', batches: number) {
  let micros = 0;
  const redis0 = await redisCpuSeconds();
  for (let b = 0; b < batches; b++) {
    const { records, learners } = data[b % data.length] as (typeof data)[number];
    const cpu0 = process.cpuUsage();
    const outbox = mode === 'text' ? encodeOutbox(records) : encodeOutboxBytes(records);
    const previousWatermark = watermark === 0 ? null : String(watermark);
    watermark++;
    const outcome = await store.commit({
      partition: 't/0',
      epoch,
      watermark: String(watermark),
      learners,
      deviceStarts: [],
      outbox,
      deviceVersions: new Map(),
      previousWatermark,
    });
    const cpu = process.cpuUsage(cpu0);
    micros += cpu.user + cpu.system;
    if (outcome !== 'ok') throw new Error(`commit: ${outcome}`);
  }
  return { client: micros / batches / 1000, redis: (((await redisCpuSeconds()) - redis0) * 1000) / batches };
}

await block('text', 10);
await block('bytes', 10);
for (let round = 0; round < ROUNDS; round++) {
  const order: ('text' | 'bytes')[] = round % 2 ? ['text', 'bytes'] : ['bytes', 'text'];
  for (const mode of order) {
    const r = await block(mode, BLOCK);
    console.log(`${mode}: client ${r.client.toFixed(2)} ms CPU per batch, Redis ${r.redis.toFixed(2)}`);
  }
}
await deleteKeysUnder(redis, prefix);
await store.close();
redis.disconnect();
