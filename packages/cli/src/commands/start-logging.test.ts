import { Writable } from 'node:stream';
import { DEMO_TOKENS, loadConfig, loadEnv } from '@hourglass/runtime';
import { afterEach, describe, expect, it, vi } from 'vitest';

// Every line the all-in-one process logs, through the one logger it creates.
const lines: string[] = [];
vi.mock('@hourglass/runtime', async (importOriginal) => {
  const real = await importOriginal<typeof import('@hourglass/runtime')>();
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return {
    ...real,
    createLogger: (o: Parameters<typeof real.createLogger>[0]) =>
      real.createLogger({ ...o, destination: sink }),
  };
});
// A learner whose stored state cannot be read: the detector retries the batch until an operator acts.
vi.mock('@hourglass/state', async (importOriginal) => {
  const real = await importOriginal<typeof import('@hourglass/state')>();
  return {
    ...real,
    openStateStore: (o: Parameters<typeof real.openStateStore>[0]) => {
      const store = real.openStateStore(o);
      return {
        ...store,
        kind: store.kind,
        async loadLearners(ids: readonly string[]) {
          const m = await store.loadLearners(ids);
          if (ids.includes('L-corrupt')) m.set('L-corrupt', '{not a state');
          return m;
        },
      };
    },
  };
});

const { startAllInOne } = await import('./start');

describe('hourglass start logs what the standalone services log', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
  });

  it('a detector batch that keeps failing (a corrupt learner state) is logged, naming the learner', async () => {
    const env = loadEnv({ PORT: '0', LOG_LEVEL: 'info' });
    const hg = await startAllInOne({
      env,
      config: loadConfig(undefined),
      isDevelopmentConfig: true,
      registerSignals: false,
      partitions: 1,
    });
    close = hg.close;
    const now = new Date().toISOString();
    const res = await fetch(`${hg.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEMO_TOKENS.platforms.cvto}`, 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          id: 'e1',
          type: 'session.start',
          time: now,
          platformId: 'cvto',
          learnerId: 'L-corrupt',
          sessionId: 'S1',
          courseId: 'c1',
          deviceId: 'D1',
        },
      ]),
    });
    expect(res.status).toBe(200);
    const logged = () => lines.join('');
    for (let i = 0; i < 100 && !(logged().includes('corrupt') && logged().includes('L-corrupt')); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect((await hg.pipelineStatus()).caughtUp).toBe(false);
    expect(logged()).toContain('corrupt');
    expect(logged()).toContain('L-corrupt');
  });
});
