import { Writable } from 'node:stream';
import { parseTimestamp } from '@hourglass/events';
import { describe, expect, it } from 'vitest';
import { type SimulateOptions, simulate } from './simulate';
import { fakeHourglass } from './testing/fake-hourglass';

const tokens = { cvto: 'tok-cvto', skillup: 'tok-skillup', gongjiang: 'tok-gongjiang' };

function sink() {
  let text = '';
  const out = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { out, text: () => text };
}

/** A clock that only moves when the code under test sleeps: live runs take no real time. */
function fakeClock(startMs: number) {
  let t = startMs;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += Math.max(1, ms);
    },
  };
}

function setup(clock: ReturnType<typeof fakeClock>, overrides: Partial<SimulateOptions> = {}) {
  const server = fakeHourglass({
    now: clock.now,
    platformTokens: tokens,
    adminToken: 'tok-admin',
    supervisorToken: 'tok-sup',
    statisticianToken: 'tok-stat',
  });
  const { out, text } = sink();
  const opts: SimulateOptions = {
    url: 'http://hourglass.test',
    platformTokens: tokens,
    adminToken: 'tok-admin',
    supervisorToken: 'tok-sup',
    statisticianToken: 'tok-stat',
    platforms: 3,
    learners: 80,
    minutes: 20,
    speedup: 0,
    cheaters: 0.2,
    seed: 7,
    replay: true,
    out,
    isTTY: false,
    fetch: server.fetch,
    ...clock,
    ...overrides,
  };
  return { server, opts, text };
}

describe('simulate', () => {
  it('replays labelled traffic, reads the flags and scores them', async () => {
    const clock = fakeClock(Date.UTC(2026, 5, 1, 8));
    const { server, opts, text } = setup(clock, { batchSize: 500 });
    server.throttleNext(2);
    const s = await simulate(opts);
    expect(s).toMatchObject({ mode: 'replay', rejected: 0, recall: 1, falselyFlagged: 0, caughtUp: true });
    expect(s.sent).toBe(server.accepted.length);
    expect(s.accepted).toBe(s.sent);
    expect(s.cheaters).toBe(16);
    expect(s.hours?.honestVerified).toBeCloseTo(s.hours?.honestStudied ?? -1, 6);
    // Two throttled attempts, then batches of at most 500 in receivedAt order.
    expect(server.requests.filter((r) => r === 'POST /v1/replay/events').length).toBe(
      Math.ceil(s.sent / 500) + 2,
    );
    const received = server.accepted.map((e) => parseTimestamp(e.receivedAt) as number);
    expect(received).toEqual([...received].sort((a, b) => a - b));
    expect(text()).toMatch(/recall\s+16\/16/);
    expect(text()).toContain('sending [');
  });

  it('sends live at the pace of the server clock, late uploads late, with each platform token', async () => {
    const start = Date.UTC(2026, 5, 1, 8);
    const clock = fakeClock(start);
    const { server, opts, text } = setup(clock, { replay: false, speedup: 60, isTTY: true });
    const s = await simulate(opts);
    expect(s).toMatchObject({ mode: 'live', rejected: 0, recall: 1, falselyFlagged: 0 });
    expect(s.byScenario.late_upload?.detected).toBe(s.byScenario.late_upload?.learners);
    expect(server.requests).not.toContain('POST /v1/replay/events');
    // The run took the simulated duration on the (fake) server clock, whatever the speedup.
    expect(clock.now() - start).toBeGreaterThan(15 * 60_000);
    expect(text()).toContain('--speedup applies to --replay only');
    expect(text()).toContain('\r');
  });

  it('sends the events to --ingest-url and asks everything else of --url, when ingest runs apart', async () => {
    const clock = fakeClock(Date.UTC(2026, 5, 1, 8));
    const { server, opts } = setup(clock, { learners: 20 });
    const hosts: string[] = [];
    const fetch: typeof server.fetch = (input, init) => {
      const url = new URL(String(input));
      hosts.push(`${init?.method ?? 'GET'} ${url.host}${url.pathname}`);
      return server.fetch(input, init);
    };
    const s = await simulate({ ...opts, fetch, ingestUrl: 'http://ingest.test' });
    expect(s).toMatchObject({ rejected: 0, recall: 1, falselyFlagged: 0, caughtUp: true });
    const sends = hosts.filter((h) => h.startsWith('POST '));
    expect(sends.length).toBeGreaterThan(0);
    expect(sends.every((h) => h === 'POST ingest.test/v1/replay/events')).toBe(true);
    expect(
      hosts.filter((h) => !h.startsWith('POST ')).every((h) => h.startsWith('GET hourglass.test/')),
    ).toBe(true);
    expect(hosts).toContain('GET hourglass.test/v1/flags');
  });

  it('refuses more platforms than it has tokens for, before sending anything', async () => {
    const { server, opts } = setup(fakeClock(0), { platforms: 4 });
    await expect(simulate(opts)).rejects.toThrow(/4 platforms.*3: cvto, skillup, gongjiang/);
    expect(server.requests).toEqual([]);
  });
});
