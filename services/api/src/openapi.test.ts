import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApi, renderOpenApi } from './openapi';
import { createHarness, type Harness } from './testing/harness';

const checkedIn = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'schemas', 'openapi.json');

describe('OpenAPI document', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('schemas/openapi.json is what the zod schemas generate (run services/api/scripts/generate-openapi.ts)', () => {
    expect(readFileSync(checkedIn, 'utf8')).toBe(renderOpenApi());
  });

  it('is served at /v1/openapi.json without a token', async () => {
    const res = await h.get('/v1/openapi.json', null);
    expect(res.status).toBe(200);
    expect(res.json).toEqual(buildOpenApi());
    expect(res.json.openapi).toBe('3.1.0');
  });

  it('documents every route with its parameters and error answers', () => {
    const doc = buildOpenApi() as {
      paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
    };
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/v1/admin/pipeline',
        '/v1/flags',
        '/v1/flags/{flagId}',
        '/v1/flags/{flagId}/decision',
        '/v1/openapi.json',
        '/v1/sessions/{platformId}/{sessionId}',
        '/v1/stats/hours',
        '/v1/stats/learners/{learnerId}',
        '/v1/stats/programme',
      ].sort(),
    );
    const names = (path: string, method = 'get') => doc.paths[path]?.[method]?.parameters?.map((p) => p.name);
    expect(names('/v1/stats/hours')).toEqual([
      'from',
      'to',
      'groupBy',
      'platformId',
      'region',
      'occupation',
      'courseId',
      'learnerGroup',
      'learnerId',
      'format',
    ]);
    expect(names('/v1/flags')).toEqual([
      'status',
      'kind',
      'platformId',
      'learnerId',
      'limit',
      'cursor',
      'format',
    ]);
    expect(names('/v1/sessions/{platformId}/{sessionId}')).toEqual(['platformId', 'sessionId', 'format']);
    expect(names('/v1/flags/{flagId}/decision', 'post')).toEqual(['flagId']);
  });
});
