import { existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { inCompiledBundle } from '@hourglass/runtime';

/** What the numbers were measured on; written next to every benchmark result. */
export function machineDescription(): Record<string, unknown> {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) cpuModel = m[1];
  } catch {
    // not Linux: keep os.cpus()
  }
  return {
    cpus: cpus().length,
    cpuModel,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    // The young generation's size moves these benchmarks by up to a third (bench/HISTORY.md), so a
    // result names the heap flags it ran with.
    heapFlags: process.execArgv.filter((a) => /^--(max|min)-(semi|old)-space-size/.test(a)),
    // Compiled (pnpm build's bundle, as production runs) or through tsx's loader (~33 MB more per
    // process, and compiling at start-up).
    compiled: inCompiledBundle(),
    date: new Date().toISOString(),
  };
}

/**
 * Where a benchmark writes its results: BENCH_RESULTS, else bench/results/<name> under the directory it
 * runs in (pnpm runs scripts at the repository's root). Not beside the module: a compiled benchmark
 * lives in dist/.
 */
export function resultsFile(name: string): string {
  if (process.env.BENCH_RESULTS) return process.env.BENCH_RESULTS;
  const dir = join(process.cwd(), 'bench', 'results');
  if (!existsSync(dir))
    throw new Error(`no ${dir}: run benchmarks from the repository's root, or set BENCH_RESULTS`);
  return join(dir, name);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

/**
 * Profiles one phase of a benchmark when HOURGLASS_BENCH_PROFILE names a file: the V8 CPU profile of just
 * that phase is written there (open it in Chrome DevTools), so set-up work does not drown the hot path.
 */
export async function profiled<T>(file: string | undefined, phase: () => Promise<T>): Promise<T> {
  if (!file) return phase();
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await phase();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ): 100 on every Linux build Node runs on. */
const USER_HZ = 100;

/**
 * CPU seconds used so far by each server deploy/local/services.sh started (its pid files under
 * HOURGLASS_STATE), threads included, and the children they have reaped: Redis rewrites its AOF in a
 * forked child, every ~64 MB the detector writes (~90k events; 11 rewrites and 2 s of CPU in two runs of
 * `bench:detector`), on the same cores. Taken before and after a phase, it shows where the machine's
 * cores went: a target in events/s is reachable only if every process on the path fits in them.
 * Servers that are not running (or not ours) are left out.
 */
export function serverCpuSeconds(
  servers: readonly string[] = ['kafka', 'redis', 'clickhouse'],
): Record<string, number> {
  const runDir = `${process.env.HOURGLASS_STATE ?? '/var/lib/hourglass-local'}/run`;
  const out: Record<string, number> = {};
  for (const name of servers) {
    try {
      const pid = readFileSync(`${runDir}/${name}.pid`, 'utf8').trim();
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15,
      // cutime 16, cstime 17 (the reaped children's).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[name] =
        (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / USER_HZ;
    } catch {
      // not started by services.sh, or not Linux
    }
  }
  return out;
}

/**
 * The CPU budget of a phase, in µs per unit (event or row): each server's share from two
 * serverCpuSeconds readings, the benchmark's own process(es), their total, and the rate the machine's
 * cores would allow at that total if every process could use them fully (an upper bound).
 */
export function cpuBudget(opts: {
  before: Record<string, number>;
  after: Record<string, number>;
  own: Record<string, number>;
  units: number;
}): Record<string, number> {
  const perUnit: Record<string, number> = {};
  for (const [name, micros] of Object.entries(opts.own)) perUnit[name] = micros / opts.units;
  for (const [name, seconds] of Object.entries(opts.after)) {
    const start = opts.before[name];
    if (start !== undefined) perUnit[name] = ((seconds - start) * 1e6) / opts.units;
  }
  const total = Object.values(perUnit).reduce((a, b) => a + b, 0);
  const rounded = Object.fromEntries(Object.entries(perUnit).map(([k, v]) => [k, Math.round(v * 10) / 10]));
  return {
    ...rounded,
    total: Math.round(total * 10) / 10,
    ceilingPerSecOnAllCores: Math.round((cpus().length * 1e6) / total),
  };
}

/**
 * Runs `measure` `runs` times, one after another, printing each run's `describe` line, and returns the
 * runs and the one with the median `rate` (the lower middle one for an even count). One run says little
 * on a machine whose speed swings ±25 % between identical runs.
 */
export async function medianOfRuns<R>(opts: {
  runs: number;
  measure: (run: number) => Promise<R>;
  rate: (r: R) => number;
  describe: (r: R) => string;
}): Promise<{ median: R; all: R[] }> {
  const all: R[] = [];
  for (let run = 1; run <= opts.runs; run++) {
    const r = await opts.measure(run);
    console.log(`run ${run} of ${opts.runs}: ${opts.describe(r)}`);
    all.push(r);
  }
  const sorted = [...all].sort((a, b) => opts.rate(a) - opts.rate(b));
  return { median: sorted[Math.floor((sorted.length - 1) / 2)] as R, all };
}

/** A positive integer argument of a benchmark (`fallback` when absent); anything else is refused. */
export function countArg(text: string | undefined, fallback: number, name: string): number {
  const n = Number(text ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${text}`);
  return n;
}
