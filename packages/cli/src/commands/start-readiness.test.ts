import { DEMO_TOKENS, loadConfig, loadEnv } from '@hourglass/runtime';
import { afterEach, describe, expect, it, vi } from 'vitest';

// The state store and the warehouse behind `hourglass start`, with switches standing for "Redis went
// down" and "ClickHouse went down".
let down = false;
let stateDown = false;
vi.mock('@hourglass/state', async (importOriginal) => {
  const real = await importOriginal<typeof import('@hourglass/state')>();
  return {
    ...real,
    openStateStore: (o: Parameters<typeof real.openStateStore>[0]) => {
      const store = real.openStateStore(o);
      return {
        ...store,
        ping: () =>
          stateDown
            ? Promise.reject(new real.StateError('unavailable', 'connect ECONNREFUSED'))
            : store.ping(),
      };
    },
  };
});
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
  const start = async () => {
    const hg = await startAllInOne({
      env: loadEnv({ PORT: '0', LOG_LEVEL: 'silent' }),
      config: loadConfig(undefined),
      isDevelopmentConfig: true,
      registerSignals: false,
    });
    close = hg.close;
    return hg;
  };
  afterEach(async () => {
    down = false;
    stateDown = false;
    await close?.();
  });

  it('is not ready while the warehouse is unreachable, as `hourglass api` and `hourglass aggregator` are not', async () => {
    const hg = await start();
    expect((await fetch(`${hg.url}/readyz`)).status).toBe(200);
    down = true;
    const q = await fetch(`${hg.url}/v1/stats/programme`, {
      headers: { authorization: `Bearer ${DEMO_TOKENS.statistician}` },
    });
    expect(q.status).toBe(503);
    const ready = await fetch(`${hg.url}/readyz`);
    expect({ status: ready.status, body: await ready.json() }).toEqual({
      status: 503,
      body: {
        ready: false,
        checks: { ingest: true, detector: true, aggregator: true, state: true, warehouse: false },
      },
    });
  });

  it('is not ready while the state store is unreachable (the detector cannot commit)', async () => {
    const hg = await start();
    expect((await fetch(`${hg.url}/readyz`)).status).toBe(200);
    stateDown = true;
    const ready = await fetch(`${hg.url}/readyz`);
    expect({ status: ready.status, body: await ready.json() }).toEqual({
      status: 503,
      body: {
        ready: false,
        checks: { ingest: true, detector: true, aggregator: true, state: false, warehouse: true },
      },
    });
  });
});
