import { Writable } from 'node:stream';
import { DEMO_TOKENS, loadConfig, loadEnv } from '@hourglass/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { startAllInOne } from './start';

describe('hourglass start without HOURGLASS_CONFIG', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
  });

  it('prints every demo token the development configuration accepts, the cvto-scoped supervisor included', async () => {
    let printed = '';
    const out = new Writable({
      write(chunk, _enc, done) {
        printed += String(chunk);
        done();
      },
    });
    const hg = await startAllInOne({
      env: loadEnv({ PORT: '0', LOG_LEVEL: 'silent' }),
      config: loadConfig(undefined),
      isDevelopmentConfig: true,
      registerSignals: false,
      partitions: 1,
      out,
    });
    close = hg.close;
    for (const token of [
      'demo-platform-cvto',
      'demo-platform-skillup',
      'demo-platform-gongjiang',
      'demo-supervisor',
      'demo-supervisor-cvto',
      'demo-statistician',
      'demo-admin',
    ])
      expect(printed).toContain(`Bearer ${token}\n`);
    expect(DEMO_TOKENS.supervisorCvto).toBe('demo-supervisor-cvto');
    // The scoped supervisor really is scoped: a flag list of another platform is an empty page.
    const res = await fetch(`${hg.url}/v1/flags?platformId=skillup`, {
      headers: { authorization: 'Bearer demo-supervisor-cvto' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ flags: [], nextCursor: null });
  });
});
