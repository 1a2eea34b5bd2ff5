/**
 * The compiled `hourglass`: the workspace's TypeScript and its dependencies in one ES module. A process
 * started from it loads no tsx: no loader thread (~33 MB resident per process) and no compiling at
 * start-up (a detector reached its first batch in 0.6-0.7 s against 1.8-2.0 s; bench/HISTORY.md). The
 * room it leaves under the services' memory budgets is what lets a detector run with a larger young
 * generation (README, "Running compiled").
 */
import { readFileSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { build, type Plugin } from 'esbuild';

/**
 * Dependencies that load a file next to their own code (a native addon, a WebAssembly module), which a
 * bundle would not carry: imported from node_modules by absolute path instead. So a bundle runs on the
 * checkout it was built in, as compiled output next to its node_modules does.
 */
const LOADED_IN_PLACE = /^(@node-rs\/crc32|@platformatic\/wasm-utils)$/;

function loadedInPlace(): Plugin {
  return {
    name: 'hourglass-loaded-in-place',
    setup(b) {
      b.onResolve({ filter: LOADED_IN_PLACE }, async (args) => {
        if (args.pluginData === 'resolving') return undefined;
        const found = await b.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: 'resolving',
        });
        if (found.errors.length > 0) return { errors: found.errors };
        return { path: found.path, external: true };
      });
    },
  };
}

/** bin/hourglass.mjs's first line: the bundle starts Node with the same flags (its young generation). */
function binShebang(): string {
  const line = readFileSync(new URL('../bin/hourglass.mjs', import.meta.url), 'utf8').split('\n', 1)[0];
  if (!line?.startsWith('#!')) throw new Error('bin/hourglass.mjs has no #! line');
  return line;
}

export interface BundleOptions {
  /** A TypeScript module that runs the program (packages/cli/src/bin.ts, or a benchmark). */
  entry: string;
  outfile: string;
}

/** Writes the bundle (and its source map, for `node --enable-source-maps`), executable. */
export async function bundle({ entry, outfile }: BundleOptions): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
    plugins: [loadedInPlace()],
    define: { HOURGLASS_BUNDLE: 'true' },
    banner: {
      // A service with its own young generation names it on the command line (`node
      // --max-semi-space-size=64 hourglass.mjs detector`). CommonJS dependencies call require(), which an
      // ES module lacks.
      js: [
        binShebang(),
        "import { createRequire as __hourglassRequire } from 'node:module';",
        'const require = __hourglassRequire(import.meta.url);',
      ].join('\n'),
    },
  });
  await chmod(outfile, 0o755);
}
