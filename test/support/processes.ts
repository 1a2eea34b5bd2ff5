import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'packages', 'cli', 'bin', 'hourglass.mjs');
const LOGS = join(ROOT, 'test', '.logs');

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  readonly name: string;
  readonly url: string;
  start(): Promise<void>;
  /** SIGKILL: no graceful shutdown, no flush, no commit — what a crash or an OOM kill does. */
  kill(): Promise<void>;
  /** SIGTERM and wait: the graceful path. Resolves with how the process ended (null if none ran). */
  stop(): Promise<ProcessExit | null>;
  restarts: number;
}

/**
 * One `hourglass <command>` as its own OS process, as production runs it. Output goes to
 * test/.logs/<name>-<n>.log so a failing fault test can be read afterwards.
 */
export function serviceProcess(opts: {
  command: 'ingest' | 'detector' | 'aggregator' | 'api' | 'start';
  name: string;
  port: number;
  env: Record<string, string>;
  /** The program to run: the workspace bin (default), or a compiled bundle (pnpm build). */
  bin?: string;
}): ServiceProcess {
  let child: ChildProcess | null = null;
  let exited: Promise<ProcessExit | null> = Promise.resolve(null);
  const url = `http://127.0.0.1:${opts.port}`;
  mkdirSync(LOGS, { recursive: true });
  const self: ServiceProcess = {
    name: opts.name,
    url,
    restarts: 0,
    async start() {
      const out = createWriteStream(join(LOGS, `${opts.name}-${self.restarts}.log`));
      child = spawn(process.execPath, [opts.bin ?? BIN, opts.command], {
        cwd: ROOT,
        env: {
          ...process.env,
          ...opts.env,
          PORT: String(opts.port),
          LOG_LEVEL: opts.env.LOG_LEVEL ?? 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.pipe(out);
      child.stderr?.pipe(out);
      const c = child;
      exited = new Promise((r) => c.once('exit', (code, signal) => r({ code, signal })));
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (c.exitCode !== null) throw new Error(`${opts.name} exited with ${c.exitCode}; see ${LOGS}`);
        const ok = await fetch(`${url}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`${opts.name} not ready after 60 s; see ${LOGS}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async kill() {
      if (child && child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      child = null;
      self.restarts += 1;
    },
    async stop() {
      let how: ProcessExit | null = null;
      if (child && child.exitCode === null) {
        child.kill('SIGTERM');
        how = await exited;
      }
      child = null;
      return how;
    },
  };
  return self;
}

/** `hourglass detector` on the real Kafka and Redis, for the topics under `prefix`. */
export async function detectorProcess(opts: {
  servers: { kafkaBrokers: string; redisUrl: string };
  prefix: string;
  sessionTimeoutMs: number;
  bin?: string;
  /** LOG_LEVEL of the process (default warn). */
  logLevel?: string;
}): Promise<ServiceProcess> {
  return serviceProcess({
    command: 'detector',
    ...(opts.bin ? { bin: opts.bin } : {}),
    name: `${opts.prefix}detector`,
    port: await freePort(),
    env: {
      KAFKA_BROKERS: opts.servers.kafkaBrokers,
      REDIS_URL: opts.servers.redisUrl,
      KAFKA_TOPIC_PREFIX: opts.prefix,
      KAFKA_SESSION_TIMEOUT_MS: String(opts.sessionTimeoutMs),
      ...(opts.logLevel ? { LOG_LEVEL: opts.logLevel } : {}),
    },
  });
}
