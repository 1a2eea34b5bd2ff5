import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { topicNames } from '@hourglass/events';
import { createKafkaLog } from '@hourglass/log';
import { afterAll, describe, expect, it } from 'vitest';
import { realServers, uniqueName } from '../support/servers';

const ROOT = resolve(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'packages', 'cli', 'bin', 'hourglass.mjs');

/** Runs `hourglass <command>`; resolves with its exit code, or 'still running' after `ms`. */
function runFor(command: string, env: Record<string, string>, ms: number) {
  const child = spawn(process.execPath, [BIN, command], {
    cwd: ROOT,
    // Only Kafka is real here; the state store and (unless a case names one) the warehouse are embedded.
    env: { ...process.env, LOG_LEVEL: 'silent', REDIS_URL: '', CLICKHOUSE_URL: '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c) => {
    stderr += String(c);
  });
  return new Promise<{ exit: number | string; stderr: string }>((done) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done({ exit: 'still running', stderr });
    }, ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ exit: code ?? -1, stderr });
    });
  });
}

// Found in review: the CLI printed the error and returned 1, but the Kafka clients start-up had already
// connected kept the process alive for ever, without a port, its consumers still in their groups.
describe('a start-up failure after Kafka is connected ends the process with exit code 1 (SPEC §6)', () => {
  const servers = realServers();
  const prefix = `${uniqueName('start-fail')}.`;
  const listeners: Server[] = [];

  afterAll(async () => {
    for (const l of listeners) l.close();
    const log = createKafkaLog({ brokers: servers.kafkaBrokers.split(','), clientId: 'start-fail' });
    await log
      .admin()
      .deleteTopics?.(Object.values(topicNames(prefix)))
      .catch(() => {});
    await log.close();
  });

  async function busyPort(): Promise<number> {
    const busy = createServer();
    listeners.push(busy);
    await new Promise<void>((ok) => busy.listen(0, '0.0.0.0', ok));
    const a = busy.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  it('`hourglass start` with PORT in use', async () => {
    const port = await busyPort();
    const r = await runFor(
      'start',
      { KAFKA_BROKERS: servers.kafkaBrokers, KAFKA_TOPIC_PREFIX: prefix, PORT: String(port) },
      60_000,
    );
    expect(r.stderr).toContain('EADDRINUSE');
    expect(r.exit).toBe(1);
  }, 90_000);

  it('`hourglass start` with ClickHouse unreachable', async () => {
    const r = await runFor(
      'start',
      {
        KAFKA_BROKERS: servers.kafkaBrokers,
        KAFKA_TOPIC_PREFIX: prefix,
        CLICKHOUSE_URL: 'http://127.0.0.1:1',
        PORT: '0',
      },
      60_000,
    );
    expect(r.stderr).toContain('clickhouse unavailable');
    expect(r.exit).toBe(1);
  }, 90_000);

  it('`hourglass ingest` with PORT in use', async () => {
    const port = await busyPort();
    const r = await runFor(
      'ingest',
      { KAFKA_BROKERS: servers.kafkaBrokers, KAFKA_TOPIC_PREFIX: prefix, PORT: String(port) },
      60_000,
    );
    expect(r.stderr).toContain('EADDRINUSE');
    expect(r.exit).toBe(1);
  }, 90_000);
});
