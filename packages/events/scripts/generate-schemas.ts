/**
 * Writes the JSON Schemas of the events and topic messages into schemas/ from the zod schemas,
 * or with --check fails when the checked-in files differ (CI runs the check).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  certificateRecordSchema,
  decisionRecordSchema,
  eventCountSchema,
  eventSchemas,
  flagUpdateSchema,
  rejectedEventSchema,
  segmentSchema,
  sessionRecordSchema,
} from '../src/index';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'schemas');

const documents: Record<string, z.ZodType> = {
  ...Object.fromEntries(Object.entries(eventSchemas).map(([type, s]) => [`event.${type}`, s])),
  'message.segment': segmentSchema,
  'message.flag-update': flagUpdateSchema,
  'message.session': sessionRecordSchema,
  'message.certificate': certificateRecordSchema,
  'message.decision': decisionRecordSchema,
  'message.rejected-event': rejectedEventSchema,
  'message.event-count': eventCountSchema,
};

function render(name: string, schema: z.ZodType): string {
  // Refinements (timestamps, ext size, correct ≤ questions) have no JSON Schema form; the
  // generator keeps the structural part, and the descriptions say where zod is stricter.
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' });
  return `${JSON.stringify({ $id: `https://hourglass.example/schemas/${name}.json`, ...json }, null, 2)}\n`;
}

const check = process.argv.includes('--check');
mkdirSync(root, { recursive: true });
const stale: string[] = [];
for (const [name, schema] of Object.entries(documents)) {
  const file = join(root, `${name}.schema.json`);
  const text = render(name, schema);
  if (check) {
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) stale.push(file);
  } else {
    writeFileSync(file, text);
  }
}
if (stale.length > 0) {
  console.error(`generated schemas are out of date (run pnpm schemas):\n${stale.join('\n')}`);
  process.exit(1);
}
console.log(check ? 'schemas are up to date' : `wrote ${Object.keys(documents).length} schemas to ${root}`);
