import { SimulateHttpError } from '../errors';
import { generateTraffic } from './generate';
import { createJsonClient, type Fetch, realSleep, type Sleep } from './http';
import { createProgress } from './progress';
import { fetchAllFlags, fetchHours, waitForPipeline } from './results';
import { liveSchedule, replaySchedule, sendSchedule } from './send';
import { formatSummary, honestStudiedHours, type Summary, scoreFlags, summarizeHours } from './summary';

export interface SimulateOptions {
  /** Base URL of the Hourglass HTTP API, e.g. http://localhost:8080. */
  url: string;
  /** Base URL events are sent to, when ingest runs apart from the API (`hourglass ingest`); default `url`. */
  ingestUrl?: string;
  /** Platform id → plain platform token; the first `platforms` entries are used. */
  platformTokens: Readonly<Record<string, string>>;
  adminToken: string;
  /** When given, the summary adds the simulated learners' hours from /v1/stats/hours. */
  statisticianToken?: string;
  /** Reads the flags; must be scoped to every simulated platform (falls back to the admin token on 401/403). */
  supervisorToken: string;
  platforms: number;
  learners: number;
  minutes: number;
  /** Replay only: simulated time runs this many times faster than real time; 0 = as fast as possible. */
  speedup: number;
  /** Fraction of learners that cheat, 0..1. */
  cheaters: number;
  seed: number;
  /** Send through POST /v1/replay/events (admin) with generated receivedAt instead of live ingest. */
  replay: boolean;
  out: NodeJS.WritableStream;
  isTTY: boolean;
  /** Events per request, at most 1000 (SPEC §3). */
  batchSize?: number;
  /** Simulated start. Default: now for live; for replay, minutes + 2 before now so every receipt is past. */
  startMs?: number;
  /** Prefix of learner and device ids; default `sim<seed>`. */
  idPrefix?: string;
  /** How long to wait for the pipeline to catch up before reading flags (default 120 s). */
  pipelineTimeoutMs?: number;
  /** Injected in tests. */
  fetch?: Fetch;
  now?: () => number;
  sleep?: Sleep;
}

const RETRY_NOTICE_EVERY_MS = 5_000;

/**
 * Generates labelled traffic, sends it to a running Hourglass, waits for the pipeline, then scores the
 * flags the API reports against the labels and prints a summary table.
 *
 * Live mode sends in real time whatever `speedup` says: the server stamps receivedAt with its clock,
 * and a timeline sent faster than it happened would either put `time`s in the future or compress the
 * learners' heartbeats, turning honest learners into false alarms. Fast runs use `replay`.
 */
export async function simulate(opts: SimulateOptions): Promise<Summary> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? realSleep;
  const out = opts.out;
  const began = now();
  const batchSize = opts.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) {
    throw new RangeError('batchSize must be an integer between 1 and 1000');
  }
  if (!(opts.speedup >= 0)) throw new RangeError('speedup must be ≥ 0 (0 = as fast as possible)');
  const available = Object.keys(opts.platformTokens);
  if (opts.platforms > available.length) {
    throw new RangeError(
      `asked for ${opts.platforms} platforms but tokens are known for ${available.length}: ${available.join(', ')}`,
    );
  }
  const startMs =
    opts.startMs ?? (opts.replay ? Math.floor(began / 1000) * 1000 - (opts.minutes + 2) * 60_000 : began);
  const traffic = generateTraffic({
    platforms: opts.platforms,
    platformIds: available,
    learners: opts.learners,
    minutes: opts.minutes,
    cheaters: opts.cheaters,
    seed: opts.seed,
    startMs,
    idPrefix: opts.idPrefix,
  });

  let lastNotice = Number.NEGATIVE_INFINITY;
  const clientOf = (url: string) =>
    createJsonClient({
      baseUrl: url,
      fetch: opts.fetch,
      sleep,
      onRetry: (why, waitMs) => {
        if (now() - lastNotice < RETRY_NOTICE_EVERY_MS) return;
        lastNotice = now();
        out.write(`${opts.isTTY ? '\n' : ''}${why}; retrying in ${(waitMs / 1000).toFixed(1)} s\n`);
      },
    });
  const client = clientOf(opts.url);
  const ingestClient = opts.ingestUrl === undefined ? client : clientOf(opts.ingestUrl);

  const detection0 = scoreFlags(traffic.labels, []);
  out.write(
    `simulating ${opts.learners} learners (${detection0.cheaters} cheaters) on ${traffic.platformIds.join(', ')} ` +
      `over ${opts.minutes} min, seed ${opts.seed}: ${traffic.events.length} events → ${opts.ingestUrl ?? opts.url} ` +
      `(${opts.replay ? 'replay' : 'live'})\n`,
  );
  if (!opts.replay) {
    out.write(
      `live mode follows the server clock: this takes about ${opts.minutes} min` +
        `${opts.speedup === 1 ? '' : ' (--speedup applies to --replay only)'}\n`,
    );
  }

  const realStart = now();
  const schedule = opts.replay
    ? replaySchedule(traffic.events, realStart, startMs, opts.speedup)
    : liveSchedule(traffic.events, realStart - startMs);
  const counts = await sendSchedule({
    client: ingestClient,
    schedule,
    replay: opts.replay,
    platformTokens: opts.platformTokens,
    adminToken: opts.adminToken,
    batchSize,
    now,
    sleep,
    progress: createProgress({ out, isTTY: opts.isTTY, total: schedule.length, label: 'sending', now }),
  });

  out.write('waiting for the pipeline to catch up…\n');
  const caughtUp = await waitForPipeline(
    client,
    opts.adminToken,
    opts.pipelineTimeoutMs ?? 120_000,
    now,
    sleep,
  );
  let flags: Awaited<ReturnType<typeof fetchAllFlags>>;
  try {
    flags = await fetchAllFlags(client, opts.supervisorToken);
  } catch (err) {
    if (!(err instanceof SimulateHttpError && (err.status === 401 || err.status === 403))) throw err;
    flags = await fetchAllFlags(client, opts.adminToken);
  }
  const detection = scoreFlags(traffic.labels, flags);

  let hours: Summary['hours'];
  if (opts.statisticianToken !== undefined) {
    try {
      const perLearner = await fetchHours(
        client,
        opts.statisticianToken,
        new Set(traffic.labels.keys()),
        traffic.startMs,
        traffic.endMs,
      );
      hours = summarizeHours(perLearner, traffic.labels, honestStudiedHours(traffic.events, traffic.labels));
    } catch (err) {
      // Hours are a bonus line of the summary; detection figures stand without them.
      out.write(`could not read /v1/stats/hours: ${(err as Error).message}\n`);
    }
  }

  const summary: Summary = {
    mode: opts.replay ? 'replay' : 'live',
    ...counts,
    ...detection,
    caughtUp,
    ...(hours ? { hours } : {}),
    elapsedMs: now() - began,
  };
  out.write(`\n${formatSummary(summary)}`);
  return summary;
}
