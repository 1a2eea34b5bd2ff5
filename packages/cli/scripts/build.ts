/**
 * pnpm build — writes the compiled `hourglass` to packages/cli/dist/hourglass.mjs (bundle.ts).
 *
 *   tsx packages/cli/scripts/build.ts [entry outfile]
 *
 * With two arguments it bundles another entry instead (the benchmarks run their compiled selves).
 */
import { fileURLToPath } from 'node:url';
import { bundle } from './bundle';

const [entry, outfile] = process.argv.slice(2);
if ((entry === undefined) !== (outfile === undefined)) {
  process.stderr.write('usage: build.ts [entry outfile]\n');
  process.exit(2);
}
await bundle({
  entry: entry ?? fileURLToPath(new URL('../src/bin.ts', import.meta.url)),
  outfile: outfile ?? fileURLToPath(new URL('../dist/hourglass.mjs', import.meta.url)),
});
