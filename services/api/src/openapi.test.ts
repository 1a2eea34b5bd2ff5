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

  type Doc = {
    paths: Record<
      string,
      Record<
        string,
        { responses: Record<string, unknown>; parameters?: { name: string; schema: { pattern?: string } }[] }
      >
    >;
  };
  const documented = (path: string, method = 'get') =>
    Object.keys((buildOpenApi() as Doc).paths[path]?.[method]?.responses ?? {});

  it('documents the statuses the routes answer: 503 when the warehouse is unavailable, 415 for a decision that is not JSON', async () => {
    const down = await createHarness();
    await down.warehouse.close();
    const reads = [
      '/v1/stats/hours?from=2026-03-01&to=2026-03-02',
      '/v1/stats/programme',
      '/v1/flags',
      '/v1/flags/f1',
    ];
    for (const url of reads) expect((await down.get(url, 'admin')).status, url).toBe(503);
    await down.close();
    for (const path of [
      '/v1/stats/hours',
      '/v1/stats/programme',
      '/v1/flags',
      '/v1/flags/{flagId}',
      '/v1/admin/pipeline',
    ])
      expect(documented(path), path).toContain('503');
    const text = await h.post('/v1/flags/f1/decision', 'decision=approve', 'admin', {
      'content-type': 'text/plain',
    });
    expect(text.status).toBe(415);
    expect(documented('/v1/flags/{flagId}/decision', 'post')).toContain('415');
  });

  it('documents the groupBy the route takes, spaces around names included', async () => {
    const res = await h.get(
      '/v1/stats/hours?from=2026-03-01&to=2026-03-02&groupBy=day,%20platform',
      'statistician',
    );
    expect(res.status).toBe(200);
    const p = (buildOpenApi() as Doc).paths['/v1/stats/hours']?.get?.parameters?.find(
      (x) => x.name === 'groupBy',
    );
    const pattern = new RegExp(p?.schema.pattern ?? '');
    for (const v of ['', 'day', 'day,platform', 'day, platform', ' learner ,course'])
      expect(pattern.test(v), v).toBe(true);
    for (const v of ['week', 'day,', 'day;platform']) expect(pattern.test(v), v).toBe(false);
  });
});
