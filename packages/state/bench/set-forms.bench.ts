/**
 * Redis's CPU per learner-state SET, by how the SETs are sent: inside a Lua script (as the commit does),
 * as one MULTI/EXEC, or as a plain pipeline (not atomic, for reference). Each batch writes 2,000 keys with
 * an expiry; the server's CPU is read from INFO cpu, so other clients' work counts too. Not a test.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 node --import tsx packages/state/bench/set-forms.bench.ts [state bytes]
 *
 * 2026-11-30, 480-byte states, two invocations of three rounds: script 3.2-3.8 µs per SET, MULTI 2.5-3.2,
 * pipeline 2.4-3.0; the script's ~3.3 µs was 2.0-2.4 with 100-byte states and 4.7-5.6 with 1,000-byte ones.
 */
import { Redis } from 'ioredis';
import { deleteKeysUnder } from '../src/index';

const N = 2000;
const BATCHES = 60;
const size = Number(process.argv[2] ?? 480);
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = `hgbench-set-forms${Date.now()}:`;
const value = 'x'.repeat(size);
const keys = Array.from({ length: N }, (_, i) => `${prefix}{L${i}}`);
const TTL_MS = '1800000';
const SCRIPT = `for i = 1, #KEYS do redis.call('SET', KEYS[i], ARGV[i + 1], 'PX', ARGV[1]) end return 1`;

const forms: Record<string, () => Promise<unknown>> = {
  script: () => redis.eval(SCRIPT, N, ...keys, TTL_MS, ...keys.map(() => value)),
  multi: () => {
    const m = redis.multi();
    for (const k of keys) m.set(k, value, 'PX', TTL_MS);
    return m.exec();
  },
  pipeline: () => {
    const p = redis.pipeline();
    for (const k of keys) p.set(k, value, 'PX', TTL_MS);
    return p.exec();
  },
};

async function serverCpuSeconds(): Promise<number> {
  const info = await redis.info('cpu');
  return Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1]);
}

for (let round = 1; round <= 3; round++) {
  for (const [name, send] of Object.entries(forms)) {
    await send();
    const before = await serverCpuSeconds();
    for (let b = 0; b < BATCHES; b++) await send();
    const micros = (((await serverCpuSeconds()) - before) * 1e6) / (BATCHES * N);
    console.log(`round ${round}, ${name}: Redis ${micros.toFixed(2)} µs of CPU per SET of ${size} bytes`);
  }
}
await deleteKeysUnder(redis, prefix);
redis.disconnect();
