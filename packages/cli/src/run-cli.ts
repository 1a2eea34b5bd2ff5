import { parseArgs } from 'node:util';
import { hashToken, isPresentableToken, loadConfig, loadEnv } from '@hourglass/runtime';
import { HELP } from './commands/help';
import { exitCodeOf } from './errors';

/**
 * Every command's code is imported when it runs, not before: the process of one service loads that
 * service's modules only, and `hourglass help` or `hash-token` none of them. The all-in-one `start`,
 * imported statically, made every process evaluate every service, the warehouse client and the API
 * first: the compiled `hourglass help` took 0.44-0.50 s, 0.22-0.25 s since.
 */
const SERVICES = {
  ingest: () => import('@hourglass/ingest/main'),
  detector: () => import('@hourglass/detector/main'),
  aggregator: () => import('@hourglass/aggregator/main'),
  api: () => import('@hourglass/api/main'),
} as const;

/** Commands configured only by the environment (SPEC §6). */
const NO_ARGUMENTS: ReadonlySet<string> = new Set([
  'start',
  'ingest',
  'detector',
  'aggregator',
  'api',
  'migrate',
]);

/** The `hourglass` command. Returns the exit code; long-running commands resolve once started. */
export async function runCli(argv: string[]): Promise<number> {
  const [command = '', ...rest] = argv;
  if (command === '' || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${HELP['']}\n`);
    return command === '' ? 1 : 0;
  }
  // Own keys only: `in` would take "constructor" or "toString" for commands.
  if (!Object.hasOwn(HELP, command)) {
    process.stderr.write(`hourglass: unknown command "${command}"\n\n${HELP['']}\n`);
    return 2;
  }
  // Options end at `--`: `hourglass hash-token -- -h` hashes "-h".
  const options = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (options.includes('--help') || options.includes('-h')) {
    process.stdout.write(`${HELP[command]}\n`);
    return 0;
  }
  if (NO_ARGUMENTS.has(command) && rest.length > 0) {
    // A flag that does nothing would be a setting the operator believes in: refuse it.
    process.stderr.write(
      `hourglass ${command}: takes no arguments (it is configured by the environment and HOURGLASS_CONFIG), got ${JSON.stringify(rest.join(' '))}\n\n${HELP[command]}\n`,
    );
    return 2;
  }
  try {
    switch (command) {
      case 'start': {
        const env = loadEnv(process.env);
        const config = loadConfig(env.configPath);
        const { startAllInOne } = await import('./commands/start');
        await startAllInOne({
          env,
          config,
          isDevelopmentConfig: env.configPath === undefined,
          out: process.stdout,
        });
        return 0;
      }
      case 'ingest':
      case 'detector':
      case 'aggregator':
      case 'api': {
        const mod = await SERVICES[command]();
        await mod.main(process.env);
        return 0;
      }
      case 'migrate': {
        const { runMigrate } = await import('./commands/migrate');
        return await runMigrate(process.env);
      }
      case 'simulate': {
        const { runSimulateCommand } = await import('./commands/simulate');
        return await runSimulateCommand(rest, process.env);
      }
      case 'hash-token': {
        const { positionals } = parseArgs({ args: rest, allowPositionals: true });
        if (positionals.length !== 1 || positionals[0] === '') {
          // A hash of the empty token could never authenticate anyone: refuse it like a missing one.
          process.stderr.write(`${HELP['hash-token']}\n`);
          return 2;
        }
        // Named for what is printed of it: its hash, never itself (test/tokens-never-logged.test.ts).
        const toHash = positionals[0] ?? '';
        if (!isPresentableToken(toHash)) {
          // Its hash would be accepted by the configuration, and no request could ever present the token.
          process.stderr.write(
            'hourglass hash-token: a token must be 1 to 512 printable ASCII characters without spaces ' +
              '(what an "Authorization: Bearer <token>" header carries)\n',
          );
          return 2;
        }
        process.stdout.write(`${hashToken(toHash)}\n`);
        return 0;
      }
    }
  } catch (err) {
    process.stderr.write(`hourglass ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    return exitCodeOf(err);
  }
  return 0;
}
