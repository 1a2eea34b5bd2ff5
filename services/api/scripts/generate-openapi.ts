/**
 * Writes schemas/openapi.json from the API's zod schemas, or with --check fails when the checked-in
 * file differs (the root `check` script runs the check; src/openapi.test.ts does too).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderOpenApi } from '../src/openapi';

const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'schemas', 'openapi.json');
const text = renderOpenApi();

if (process.argv.includes('--check')) {
  if (!existsSync(file) || readFileSync(file, 'utf8') !== text) {
    console.error(`${file} is out of date: run pnpm --filter @hourglass/api openapi`);
    process.exit(1);
  }
  console.log('openapi.json is up to date');
} else {
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
