import { pathToFileURL } from 'node:url';
import { ConfigError } from './errors';

/** true in the compiled bundle: packages/cli/scripts/bundle.ts defines it. */
declare const HOURGLASS_BUNDLE: boolean | undefined;

export interface RunIfMainOptions {
  /** The service's `import.meta.url`. */
  moduleUrl: string;
  /** The service's name in messages: `hourglass <name>: …`. */
  name: string;
  /** Starts the service; the caller passes process.env here, so nothing below main.ts reads it. */
  main: () => Promise<void>;
  /** The process's arguments (default process.argv); argv[1] is the entry script. */
  argv?: readonly string[];
  /** Where a configuration problem is written (default process.stderr). */
  stderr?: { write(text: string): unknown };
  /** Ends the process (default process.exit). */
  exit?: (code: number) => void;
}

/** Whether this code runs from the compiled bundle (pnpm build) rather than from its TypeScript. */
export function inCompiledBundle(): boolean {
  return typeof HOURGLASS_BUNDLE !== 'undefined' && HOURGLASS_BUNDLE;
}

/**
 * Runs a service's `main` when its module is the process's entry script (`node …/main.ts`), and does
 * nothing when it is imported (by the CLI, by tests). A bad environment or configuration file is an
 * operator's fix: its message is written without a stack trace and the process exits 2; anything else
 * is rethrown, to end the process as an unhandled error (exit 1).
 */
export async function runIfMain(options: RunIfMainOptions): Promise<void> {
  // In the bundle every module shares the bundle's URL, so each service's main.ts would take itself for
  // the entry script: there the CLI starts the one it was asked for.
  if (inCompiledBundle()) return;
  const entry = (options.argv ?? process.argv)[1];
  if (!entry || options.moduleUrl !== pathToFileURL(entry).href) return;
  try {
    await options.main();
  } catch (err) {
    if (err instanceof ConfigError) {
      (options.stderr ?? process.stderr).write(`hourglass ${options.name}: ${err.message}\n`);
      (options.exit ?? process.exit)(2);
      return;
    }
    throw err;
  }
}
