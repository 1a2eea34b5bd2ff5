import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_TOKENS } from '@hourglass/runtime';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeHourglass } from '../simulate/testing/fake-hourglass';
import { runSimulateCommand } from './simulate';

/** An answer's JSON body, as far as the distortions below read it. */
interface Body {
  rows: { verifiedHours: number }[];
}
type Distort = (path: string, body: Body) => unknown;

/** Serves the simulator's fake Hourglass over HTTP, with its answers distorted as a test says. */
async function serve(distort: Distort): Promise<Server> {
  const fake = fakeHourglass({
    now: Date.now,
    platformTokens: DEMO_TOKENS.platforms,
    adminToken: DEMO_TOKENS.admin,
    supervisorToken: DEMO_TOKENS.supervisor,
    statisticianToken: DEMO_TOKENS.statistician,
  });
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length > 0 ? Buffer.concat(chunks).toString() : undefined;
    const r = await fake.fetch(`http://x${req.url}`, {
      method: req.method,
      headers: { authorization: String(req.headers.authorization ?? '') },
      ...(body === undefined ? {} : { body }),
    });
    const json = (await r.json()) as Body;
    res.writeHead(r.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(distort(new URL(`http://x${req.url}`).pathname, json)));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return server;
}

describe('hourglass simulate: its exit code says whether the results are right', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
    vi.restoreAllMocks();
  });

  async function run(distort: Distort, cheaters: string) {
    server = await serve(distort);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const args = [
      '--url',
      url,
      '--replay',
      '--learners',
      '20',
      '--minutes',
      '15',
      '--cheaters',
      cheaters,
      '--seed',
      '5',
    ];
    const code = await runSimulateCommand(args, {});
    return { code, text: out.mock.calls.map((c) => String(c[0])).join('') };
  }

  it('0 when the server gets everything right', async () => {
    const { code, text } = await run((_path, body) => body, '0.2');
    expect(text).toContain('result        passed');
    expect(code).toBe(0);
  }, 60_000);

  it('3 when the server verified only half of the honest learners’ hours', async () => {
    const { code, text } = await run((path, body) => {
      if (path === '/v1/stats/hours') for (const r of body.rows) r.verifiedHours /= 2;
      return body;
    }, '0.2');
    expect(text).toMatch(/result {8}FAILED: honest verified [\d.]+ h of [\d.]+ h studied/);
    expect(code).toBe(3);
  }, 60_000);

  it('3 when the server accepted every event and reflected none (with no cheaters to miss)', async () => {
    const { code } = await run((path, body) => {
      if (path === '/v1/stats/hours') return { rows: [] };
      if (path === '/v1/flags') return { flags: [], nextCursor: null };
      return body;
    }, '0');
    expect(code).toBe(3);
  }, 60_000);
});
