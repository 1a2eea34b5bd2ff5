import { DEMO_TOKENS, loadConfig, loadEnv } from '@hourglass/runtime';
import { afterEach, describe, expect, it, vi } from 'vitest';

// The warehouse behind `hourglass start`, with a switch standing for "ClickHouse went down".
let down = false;
vi.mock('@hourglass/warehouse', async (importOriginal) => {
  const real = await importOriginal<typeof import('@hourglass/warehouse')>();
  return {
    ...real,
    openWarehouse: (o: Parameters<typeof real.openWarehouse>[0]) => {
      const w = real.openWarehouse(o);
      return new Proxy(w, {
        get(target, prop, receiver) {
          const v = Reflect.get(target, prop, receiver);
          if (typeof v !== 'function' || prop === 'close' || prop === 'migrate') return v;
          return (...a: unknown[]) =>
            down
              ? Promise.reject(new real.WarehouseError('unavailable', 'connect ECONNREFUSED'))
              : v.apply(target, a);
        },
      });
    },
  };
});

const { startAllInOne } = await import('./start');

describe('hourglass start /readyz', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    down = false;
    await close?.();
  });

  it('is not ready while the warehouse is unreachable, as `hourglass api` and `hourglass aggregator` are not', async () => {
    const env = loadEnv({ PORT: '0', LOG_LEVEL: 'silent' });
    const hg = await startAllInOne({
      env,
      config: loadConfig(undefined),
      isDevelopmentConfig: true,
      registerSignals: false,
    });
    close = hg.close;
    expect((await fetch(`${hg.url}/readyz`)).status).toBe(200);
    down = true;
    const q = await fetch(`${hg.url}/v1/stats/programme`, {
      headers: { authorization: `Bearer ${DEMO_TOKENS.statistician}` },
    });
    expect(q.status).toBe(503);
    const ready = await fetch(`${hg.url}/readyz`);
    expect({ status: ready.status, body: await ready.json() }).toEqual({
      status: 503,
      body: { ready: false, checks: { ingest: true, detector: true, warehouse: false } },
    });
  });
});
