import { networkInterfaces } from 'node:os';
import { loadConfig, loadEnv, parseConfig } from '@hourglass/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { startAllInOne } from './start';

/** An IPv4 address of this machine that is not loopback: how another host would reach it. */
const external = Object.values(networkInterfaces())
  .flat()
  .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;

/** The answer of GET /v1/stats/programme with the public demo admin token, or the connection error's code. */
async function asDemoAdmin(host: string, port: string): Promise<number | string> {
  try {
    const res = await fetch(`http://${host}:${port}/v1/stats/programme`, {
      headers: { authorization: 'Bearer demo-admin' },
    });
    await res.arrayBuffer();
    return res.status;
  } catch (err) {
    return String((err as { cause?: { code?: string } }).cause?.code ?? err);
  }
}

describe.skipIf(external === undefined)('who can reach hourglass start', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('the development configuration (public demo tokens, demo-admin included) is reachable on loopback only', async () => {
    const hg = await startAllInOne({
      env: loadEnv({ PORT: '0', LOG_LEVEL: 'silent' }),
      config: loadConfig(undefined),
      isDevelopmentConfig: true,
      registerSignals: false,
      partitions: 1,
    });
    close = hg.close;
    const port = new URL(hg.url).port;
    expect(await asDemoAdmin('127.0.0.1', port)).toBe(200);
    // README: the demo tokens are "public, so never expose such a process to others".
    expect(await asDemoAdmin(external as string, port)).toBe('ECONNREFUSED');
  });

  it('a real configuration listens on every interface', async () => {
    const config = parseConfig({
      platforms: [{ id: 'cvto', name: 'CVTO', tokens: [`sha256:${'a'.repeat(64)}`] }],
      users: [{ name: 'ops', role: 'admin', tokens: [`sha256:${'b'.repeat(64)}`] }],
    });
    const hg = await startAllInOne({
      env: loadEnv({ PORT: '0', LOG_LEVEL: 'silent', HOURGLASS_CONFIG: '/etc/hourglass.json' }),
      config,
      isDevelopmentConfig: false,
      registerSignals: false,
      partitions: 1,
    });
    close = hg.close;
    const res = await fetch(`http://${external}:${new URL(hg.url).port}/healthz`);
    expect(res.status).toBe(200);
  });
});
