import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { commitParts } from './commit-parts';
import { StateError, toStateError } from './errors';
import { keyLayout, learnerOfMember, partitionKeys } from './keys';
import { resolveLimits } from './options';
import { evictionProblem, overMaxmemory } from './redis-memory';
import { createPreparedSender, type PreparedCommand } from './resp';
import { CLAIM_SCRIPT, CLEAR_OUTBOX_SCRIPT, COMMIT_SCRIPT } from './scripts';
import type {
  CommitOutcome,
  DeviceStart,
  DeviceWindows,
  StateStore,
  StateStoreLimits,
  StateStoreStats,
} from './types';
import { checkEpoch, checkIds, checkPartition } from './validate';

export interface RedisStateStoreOptions extends StateStoreLimits {
  /** e.g. redis://127.0.0.1:6379 (ignored when `redis` is given). */
  url: string;
  /** Prefix of every key. Default "hg:". */
  keyPrefix?: string;
  /**
   * Injected client; the store defines its scripts on it but does not close it (its owner does). It must
   * not have ioredis's own `keyPrefix` (refused): the store's `keyPrefix` is the one.
   */
  redis?: Redis;
  /**
   * Upper bound of every call, including time spent queued while disconnected. Default 5000 ms.
   * A commit that times out may still have run; see StateError 'unavailable'.
   */
  commandTimeoutMs?: number;
  /** Told about connection errors (they also surface as rejected calls); default: ignored. */
  onConnectionError?: (err: Error) => void;
}

type ScriptCall = (numKeys: number, keys: string[], args: (string | Buffer)[]) => Promise<unknown>;
interface ScriptedRedis {
  hourglassClaim: ScriptCall;
  hourglassClearOutbox: ScriptCall;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 5000;

function createClient(url: string, commandTimeoutMs: number): Redis {
  return new Redis(url, {
    // No connection at construction time (no import-time or factory-time side effects); the first
    // command connects.
    lazyConnect: true,
    // Commands issued while reconnecting wait in the queue (bounded by commandTimeout) instead of
    // failing at once, so a short blip costs latency, not a detector retry.
    enableOfflineQueue: true,
    // A request gives up after 2 failed reconnects; the detector retries with its own backoff.
    maxRetriesPerRequest: 2,
    commandTimeout: commandTimeoutMs,
    connectTimeout: commandTimeoutMs,
    // Keep reconnecting for as long as the store is open (never returns null).
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    // After a failover the old primary answers READONLY: reconnect and resend.
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
  });
}

/**
 * The version of a device window as the commit script computes it (scripts.ts): SHA-1 over each
 * element of the ZRANGE … WITHSCORES reply as `<UTF-8 byte length>:<element>`; null when empty. A
 * version names the content, so a commit conflicts exactly when the window it read has changed.
 */
export function windowVersion(reply: readonly string[]): string | null {
  if (reply.length === 0) return null;
  const sha1 = createHash('sha1');
  for (const v of reply) sha1.update(`${Buffer.byteLength(v)}:${v}`);
  return sha1.digest('hex');
}

/**
 * Redis (single node) adapter. Round trips: claim 1; loadLearners 1 (one MGET); loadDevices 1 (one
 * pipeline); commit 1 (one EVALSHA); clearOutbox 1 — constant per batch whatever its size.
 */
export function createRedisStateStore(opts: RedisStateStoreOptions): StateStore {
  const limits = resolveLimits(opts);
  const keys = keyLayout(opts.keyPrefix ?? 'hg:');
  const commandTimeoutMs = opts.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const ownsClient = opts.redis === undefined;
  const client = opts.redis ?? createClient(opts.url, commandTimeoutMs);
  // The commit and MGET are sent as prepared bytes (resp.ts), which ioredis does not prefix: a client
  // prefixing the other commands' keys would split one learner's keys in two.
  if (client.options.keyPrefix) {
    throw new StateError(
      'invalid_argument',
      "the injected Redis client has a keyPrefix: pass it as the store's keyPrefix option instead",
    );
  }
  // defineCommand: EVALSHA on the wire, EVAL the first time per connection and on NOSCRIPT.
  client.defineCommand('hourglassClaim', { lua: CLAIM_SCRIPT });
  client.defineCommand('hourglassClearOutbox', { lua: CLEAR_OUTBOX_SCRIPT });
  const scripts = client as unknown as ScriptedRedis;
  // The commit and loadLearners' MGET, the two commands as large as a batch, are sent as prepared
  // bytes (resp.ts); the commit handles EVALSHA's NOSCRIPT there.
  const prepared = createPreparedSender(client);
  const commitSha = createHash('sha1').update(COMMIT_SCRIPT).digest('hex');

  const counters: StateStoreStats = { roundTrips: 0, commands: 0 };
  let lastConnectionError: Error | undefined;
  let closed = false;
  // ioredis sends SELECT <the URL's database> on connecting and only emits a refusal as an 'error' event:
  // the connection stays on database 0 and every command would run there, unnoticed.
  let databaseRefused: Error | undefined;
  const onError = (err: Error) => {
    // Without a listener ioredis prints every reconnect failure; the failure reaches callers anyway.
    lastConnectionError = err;
    const command = (err as { command?: { name?: unknown; args?: unknown[] } }).command;
    if (command?.name === 'select') {
      databaseRefused = new Error(`redis refused database ${String(command.args?.[0])}: ${err.message}`, {
        cause: err,
      });
    }
    opts.onConnectionError?.(err);
  };
  client.on('error', onError);
  // A first PING behind the SELECT, before any command that writes: its answer comes after the refusal.
  let databaseChecked = Number(client.options.db ?? 0) === 0;

  function refuseDatabase(operation: string): void {
    if (databaseRefused)
      throw new StateError('unexpected', `${operation}: ${databaseRefused.message}`, {
        cause: databaseRefused,
      });
  }

  async function run<T>(operation: string, commands: number, fn: () => Promise<T>): Promise<T> {
    if (closed) throw new StateError('closed', `${operation}: redis state store is closed`);
    counters.roundTrips += 1;
    counters.commands += commands;
    let out: T;
    try {
      if (!databaseChecked) {
        await client.ping();
        databaseChecked = true;
      }
      refuseDatabase(operation);
      out = await fn();
    } catch (err) {
      throw toStateError(err, operation, lastConnectionError);
    }
    refuseDatabase(operation);
    return out;
  }

  /** The MGET of the learners' keys, encoded: its key strings are not kept while it is in flight. */
  function encodeMget(learnerIds: readonly string[]): PreparedCommand {
    const parts = ['MGET'];
    for (const id of learnerIds) parts.push(keys.learner(id));
    return prepared.encode(parts);
  }

  async function sendCommit(command: PreparedCommand): Promise<CommitOutcome> {
    const reply = await run('commit', 1, () => prepared.send(command, COMMIT_SCRIPT));
    return reply === 1 ? 'ok' : reply === 2 ? 'conflict' : reply === 3 ? 'lost' : 'fenced';
  }

  /**
   * MGET answers nil for a key of another type as for a missing one. Such a key at a learner's name is
   * not a state this package wrote, and the commit would overwrite it: refuse it as corrupt, so the
   * batch is retried until an operator looks (one more round trip, only for batches with new learners).
   */
  /**
   * INFO memory, or null when this server or user does not allow INFO (an ACL without @dangerous, a
   * renamed command): the check is then skipped rather than blocking every claim.
   */
  async function memoryInfo(operation: string): Promise<string | null> {
    try {
      return await run(operation, 1, () => client.info('memory'));
    } catch (err) {
      const cause = err instanceof StateError ? err.cause : err;
      if (cause instanceof Error && /^(NOPERM|ERR unknown command)/.test(cause.message)) return null;
      throw err;
    }
  }

  async function refuseEviction(operation: string, orOom = false): Promise<void> {
    const info = await memoryInfo(operation);
    const problem = info === null ? null : (evictionProblem(info) ?? (orOom ? overMaxmemory(info) : null));
    if (problem !== null) throw new StateError('unavailable', `${operation}: ${problem}`);
  }

  async function refuseForeignTypes(learnerIds: readonly string[]): Promise<void> {
    const types = await run('loadLearners', 1, () => {
      const pipeline = client.pipeline();
      for (const id of learnerIds) pipeline.type(keys.learner(id));
      return pipeline.exec();
    });
    if (!types) throw new StateError('unavailable', 'loadLearners: pipeline was discarded');
    types.forEach(([err, type], i) => {
      if (err) throw toStateError(err, 'loadLearners');
      if (type !== 'none' && type !== 'string') {
        throw new StateError(
          'corrupt',
          `loadLearners: the key of learner ${JSON.stringify(learnerIds[i])} holds a ${String(type)}, not a state`,
        );
      }
    });
  }

  return {
    kind: 'redis',

    async claimPartition(partition) {
      checkPartition(partition);
      await refuseEviction('claimPartition');
      const reply = await run('claimPartition', 1, () =>
        scripts.hourglassClaim(
          5,
          [
            ...partitionKeys(keys, partition),
            keys.partitionCounted(partition),
            keys.partitionStretch(partition),
          ],
          [],
        ),
      );
      if (!Array.isArray(reply) || typeof reply[0] !== 'string') {
        throw new StateError('unexpected', `claimPartition: unexpected reply ${JSON.stringify(reply)}`);
      }
      const epoch = Number(reply[0]);
      const watermark: unknown = reply[1] ?? null;
      const outbox: unknown = reply[2] ?? null;
      const countedUntil: unknown = reply[3] ?? null;
      const countStretch: unknown = reply[4] ?? null;
      if (typeof watermark !== 'string' && watermark !== null) {
        throw new StateError('corrupt', 'claimPartition: watermark is not a string');
      }
      if (typeof outbox !== 'string' && outbox !== null) {
        throw new StateError('corrupt', 'claimPartition: outbox is not a string');
      }
      if (typeof countedUntil !== 'string' && countedUntil !== null) {
        throw new StateError('corrupt', 'claimPartition: counted offset is not a string');
      }
      if (typeof countStretch !== 'string' && countStretch !== null) {
        throw new StateError('corrupt', 'claimPartition: count stretch is not a string');
      }
      return { epoch, watermark, outbox, countedUntil, countStretch };
    },

    async loadLearners(learnerIds) {
      checkIds(learnerIds, 'learner ids');
      const out = new Map<string, string>();
      if (learnerIds.length === 0) return out;
      const command = encodeMget(learnerIds);
      const values = (await run('loadLearners', 1, () => prepared.send(command))) as (string | null)[];
      const absent: string[] = [];
      learnerIds.forEach((id, i) => {
        const value = values[i];
        if (typeof value === 'string') out.set(id, value);
        else absent.push(id);
      });
      if (absent.length > 0) await refuseForeignTypes(absent);
      return out;
    },

    async loadDevices(deviceIds) {
      checkIds(deviceIds, 'device ids');
      const out: DeviceWindows = { starts: new Map(), versions: new Map() };
      if (deviceIds.length === 0) return out;
      const results = await run('loadDevices', deviceIds.length, () => {
        const pipeline = client.pipeline();
        for (const id of deviceIds) pipeline.zrange(keys.device(id), 0, -1, 'WITHSCORES');
        return pipeline.exec();
      });
      if (!results) throw new StateError('unavailable', 'loadDevices: pipeline was discarded');
      deviceIds.forEach((id, i) => {
        const [err, reply] = results[i] ?? [new Error('missing pipeline reply'), null];
        if (err) throw toStateError(err, 'loadDevices', lastConnectionError);
        const window = Array.isArray(reply) ? reply.map(String) : [];
        out.versions.set(id, windowVersion(window));
        if (window.length === 0) return;
        const starts: DeviceStart[] = [];
        for (let j = 0; j + 1 < window.length; j += 2) {
          starts.push({ learnerId: learnerOfMember(window[j] as string), timeMs: Number(window[j + 1]) });
        }
        out.starts.set(id, starts);
      });
      return out;
    },

    commit(req) {
      // Not async: the request (every learner's state) is encoded here and let go of, so that it is not
      // kept alive while the command is in flight (an async function keeps its locals across an await).
      let command: PreparedCommand;
      try {
        command = prepared.encode(commitParts(req, { sha: commitSha, keys, limits }));
      } catch (err) {
        return Promise.reject(err);
      }
      return sendCommit(command);
    },

    async clearOutbox(partition, epoch, watermark) {
      checkPartition(partition);
      checkEpoch(epoch);
      if (typeof watermark !== 'string' || watermark.length === 0) {
        throw new StateError('invalid_argument', 'watermark must be a non-empty string');
      }
      await run('clearOutbox', 1, () =>
        scripts.hourglassClearOutbox(3, partitionKeys(keys, partition), [String(epoch), watermark]),
      );
    },

    async ping() {
      await run('ping', 1, () => client.ping());
      // Readiness: a Redis that answers PING but refuses every write cannot commit a batch.
      await refuseEviction('ping', true);
    },

    async close() {
      if (closed) return;
      closed = true;
      if (ownsClient) {
        try {
          await client.quit();
        } catch {
          // Already disconnected or unreachable: drop the socket and the reconnect timer.
          client.disconnect();
        }
      }
      client.off('error', onError);
    },

    stats() {
      return { ...counters };
    },
  };
}
