import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { clickHouseOptionsFromUrl, createClickHouseWarehouse } from '@hourglass/warehouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApi } from './openapi';
import { FLAGS, seed } from './testing/fixtures';
import { type Answer, createHarness, type Harness, type TokenName } from './testing/harness';

// ajv is Fastify's own validator; it is reached through Fastify's dependencies (no new package).
const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
const fromCompiler = createRequire(fromFastify.resolve('@fastify/ajv-compiler'));
// biome-ignore lint/suspicious/noExplicitAny: untyped require of a transitive dependency
const Ajv2020 = (fromCompiler('ajv/dist/2020') as any).default;
// biome-ignore lint/suspicious/noExplicitAny: untyped require of a transitive dependency
const addFormats = (fromCompiler('ajv-formats') as any).default;

type Doc = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>
  >;
};
const doc = buildOpenApi() as unknown as Doc;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(doc, 'openapi');

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/** Every way the answer departs from the document: status not listed, content type not listed, body not matching. */
function departures(method: string, template: string, res: Answer): string[] {
  const op = doc.paths[template]?.[method];
  if (op === undefined) return [`${method} ${template} is not documented`];
  const response = op.responses[String(res.status)];
  if (response === undefined) return [`status ${res.status} is not documented (${res.text.slice(0, 200)})`];
  const type = String(res.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim();
  const content = response.content ?? {};
  if (type === undefined || !(type in content))
    return [`content type ${type} of ${res.status} is not documented`];
  if (type !== 'application/json' || content[type]?.schema === undefined) return [];
  const validate = ajv.getSchema(
    `openapi#/${pointer('paths', template, method, 'responses', String(res.status), 'content', type, 'schema')}`,
  );
  if (validate === undefined) return ['no schema'];
  return validate(res.json) ? [] : [`body does not match: ${ajv.errorsText(validate.errors)}`];
}

const clickhouseUrl = process.env.CLICKHOUSE_URL;
const database = `conformance_api_${randomBytes(4).toString('hex')}`;

describe('the query API answers as its OpenAPI document says', () => {
  let h: Harness;
  let hc: Harness;
  const onClickHouse: Harness[] = [];
  beforeAll(async () => {
    h = await createHarness();
    await seed(h.warehouse);
    hc = await createHarness({ classHourMinutes: 45 });
    await seed(hc.warehouse);
    if (clickhouseUrl) {
      for (const [i, classHourMinutes] of [undefined, 45].entries()) {
        const warehouse = createClickHouseWarehouse({
          ...clickHouseOptionsFromUrl(clickhouseUrl),
          database: `${database}_${i}`,
          timeZone: 'Asia/Shanghai',
        });
        const x = await createHarness({ warehouse, ...(classHourMinutes ? { classHourMinutes } : {}) });
        await seed(x.warehouse);
        onClickHouse.push(x);
      }
    }
  });
  afterAll(async () => {
    await h.close();
    await hc.close();
    for (const x of onClickHouse) await x.close();
    if (clickhouseUrl) {
      const { url: base, username, password } = clickHouseOptionsFromUrl(clickhouseUrl);
      const headers: Record<string, string> = {};
      if (username !== undefined) headers['x-clickhouse-user'] = username;
      if (password !== undefined) headers['x-clickhouse-key'] = password;
      for (const i of [0, 1])
        await fetch(base, { method: 'POST', body: `DROP DATABASE IF EXISTS ${database}_${i}`, headers });
    }
  });

  type Case = [string, string, string, TokenName | null, unknown?, Record<string, string>?];
  const cases: Case[] = [
    ['get', '/v1/stats/hours', '/v1/stats/hours?from=2026-03-01&to=2026-03-02', 'statistician'],
    [
      'get',
      '/v1/stats/hours',
      '/v1/stats/hours?from=2026-03-01&to=2026-03-02&groupBy=day,platform,region,occupation,course,learnerGroup,learner',
      'admin',
    ],
    ['get', '/v1/stats/hours', '/v1/stats/hours?from=2026-03-01&to=2026-03-02&format=csv', 'admin'],
    ['get', '/v1/stats/hours', '/v1/stats/hours?from=2026-03-01', 'admin'],
    ['get', '/v1/stats/hours', '/v1/stats/hours?from=2026-03-01&to=2026-03-02&groupBy=week', 'admin'],
    ['get', '/v1/stats/hours', '/v1/stats/hours?from=2026-03-01&to=2026-03-02&to=2026-03-03', 'admin'],
    ['get', '/v1/stats/hours', '/v1/stats/hours?from=2026-03-01&to=2026-03-02', null],
    ['get', '/v1/stats/hours', '/v1/stats/hours?from=2026-03-01&to=2026-03-02', 'platform'],
    ['get', '/v1/stats/hours', '/v1/stats/hours?from=2026-03-01&to=2026-03-02', 'supervisor'],
    ['get', '/v1/stats/hours', '/v1/stats/hours?from=%ZZ&to=2026-03-02', 'admin'],
    [
      'get',
      '/v1/stats/hours',
      '/v1/stats/hours?from=2026-03-01&to=2026-03-02',
      'admin',
      undefined,
      { accept: 'text/csv' },
    ],
    [
      'get',
      '/v1/stats/hours',
      '/v1/stats/hours?from=2026-03-01&to=2026-03-02',
      'admin',
      undefined,
      { accept: 'application/xml' },
    ],
    ['get', '/v1/stats/learners/{learnerId}', '/v1/stats/learners/learner-1', 'statistician'],
    ['get', '/v1/stats/learners/{learnerId}', '/v1/stats/learners/learner-2?from=2026-03-01', 'statistician'],
    ['get', '/v1/stats/learners/{learnerId}', '/v1/stats/learners/nobody', 'statistician'],
    ['get', '/v1/stats/learners/{learnerId}', '/v1/stats/learners/learner-1?format=csv', 'statistician'],
    ['get', '/v1/stats/learners/{learnerId}', '/v1/stats/learners/a%20b', 'statistician'],
    ['get', '/v1/stats/learners/{learnerId}', `/v1/stats/learners/${'x'.repeat(600)}`, 'statistician'],
    ['get', '/v1/stats/learners/{learnerId}', '/v1/stats/learners/learner-1?from=2026-13-01', 'statistician'],
    ['get', '/v1/stats/programme', '/v1/stats/programme', 'statistician'],
    ['get', '/v1/stats/programme', '/v1/stats/programme?format=csv', 'statistician'],
    ['get', '/v1/stats/programme', '/v1/stats/programme?x=1', 'statistician'],
    ['get', '/v1/stats/programme', '/v1/stats/programme', 'supervisor'],
    ['get', '/v1/flags', '/v1/flags', 'supervisor'],
    ['get', '/v1/flags', '/v1/flags?limit=1', 'admin'],
    ['get', '/v1/flags', '/v1/flags?status=open&kind=idle', 'admin'],
    ['get', '/v1/flags', '/v1/flags?format=csv', 'admin'],
    ['get', '/v1/flags', '/v1/flags?limit=0', 'admin'],
    ['get', '/v1/flags', '/v1/flags?cursor=bogus', 'admin'],
    ['get', '/v1/flags', '/v1/flags?platformId=other', 'supervisorCvto'],
    ['get', '/v1/flags', '/v1/flags', 'statistician'],
    ['get', '/v1/flags/{flagId}', `/v1/flags/${FLAGS.idle1}`, 'admin'],
    ['get', '/v1/flags/{flagId}', `/v1/flags/${FLAGS.concurrent3}`, 'admin'],
    ['get', '/v1/flags/{flagId}', `/v1/flags/${FLAGS.shared3}`, 'admin'],
    ['get', '/v1/flags/{flagId}', '/v1/flags/unknown', 'admin'],
    ['get', '/v1/flags/{flagId}', '/v1/flags/a%20b', 'admin'],
    ['get', '/v1/flags/{flagId}', `/v1/flags/${FLAGS.idle1}?format=csv`, 'admin'],
    ['get', '/v1/sessions/{platformId}/{sessionId}', '/v1/sessions/cvto/s1', 'admin'],
    ['get', '/v1/sessions/{platformId}/{sessionId}', '/v1/sessions/skillup/s2', 'admin'],
    ['get', '/v1/sessions/{platformId}/{sessionId}', '/v1/sessions/cvto/s3', 'admin'],
    ['get', '/v1/sessions/{platformId}/{sessionId}', '/v1/sessions/cvto/nope', 'admin'],
    ['get', '/v1/sessions/{platformId}/{sessionId}', '/v1/sessions/CVTO/s1', 'admin'],
    ['get', '/v1/sessions/{platformId}/{sessionId}', '/v1/sessions/skillup/s2', 'supervisorCvto'],
    ['get', '/v1/admin/pipeline', '/v1/admin/pipeline', 'admin'],
    ['get', '/v1/admin/pipeline', '/v1/admin/pipeline', 'supervisor'],
    ['get', '/v1/admin/pipeline', '/v1/admin/pipeline?format=csv', 'admin'],
    ['get', '/v1/openapi.json', '/v1/openapi.json', null],
    [
      'post',
      '/v1/flags/{flagId}/decision',
      `/v1/flags/${FLAGS.idle1}/decision`,
      'supervisor',
      { decision: 'approve' },
    ],
    [
      'post',
      '/v1/flags/{flagId}/decision',
      `/v1/flags/${FLAGS.idle1}/decision`,
      'supervisor',
      { decision: 'approve' },
    ],
    [
      'post',
      '/v1/flags/{flagId}/decision',
      `/v1/flags/${FLAGS.late2}/decision`,
      'supervisor',
      { decision: 'maybe' },
    ],
    [
      'post',
      '/v1/flags/{flagId}/decision',
      `/v1/flags/${FLAGS.late2}/decision`,
      'supervisor',
      { decision: 'reject', x: 1 },
    ],
    ['post', '/v1/flags/{flagId}/decision', `/v1/flags/${FLAGS.late2}/decision`, 'supervisor', '{'],
    ['post', '/v1/flags/{flagId}/decision', `/v1/flags/${FLAGS.late2}/decision`, 'supervisor', ''],
    ['post', '/v1/flags/{flagId}/decision', `/v1/flags/${FLAGS.late2}/decision`, 'supervisor', '[]'],
    ['post', '/v1/flags/{flagId}/decision', `/v1/flags/${FLAGS.late2}/decision`, 'supervisor', 'null'],
    [
      'post',
      '/v1/flags/{flagId}/decision',
      `/v1/flags/${FLAGS.late2}/decision`,
      'supervisor',
      'x',
      { 'content-type': 'text/plain' },
    ],
    [
      'post',
      '/v1/flags/{flagId}/decision',
      `/v1/flags/${FLAGS.late2}/decision`,
      'supervisor',
      'x',
      { 'content-type': 'application/x-www-form-urlencoded' },
    ],
    [
      'post',
      '/v1/flags/{flagId}/decision',
      `/v1/flags/${FLAGS.late2}/decision`,
      'supervisor',
      { decision: 'reject', note: 'x'.repeat(2_000_000) },
    ],
    [
      'post',
      '/v1/flags/{flagId}/decision',
      '/v1/flags/unknown/decision',
      'supervisor',
      { decision: 'approve' },
    ],
    [
      'post',
      '/v1/flags/{flagId}/decision',
      `/v1/flags/${FLAGS.late2}/decision`,
      'statistician',
      { decision: 'approve' },
    ],
    [
      'post',
      '/v1/flags/{flagId}/decision',
      `/v1/flags/${FLAGS.late2}/decision`,
      'supervisor',
      { decision: 'approve' },
      { 'content-type': 'application/json; charset=utf-8' },
    ],
    [
      'post',
      '/v1/flags/{flagId}/decision',
      `/v1/flags/${FLAGS.shared3}/decision`,
      'supervisor',
      { decision: 'approve' },
      { 'content-encoding': 'gzip' },
    ],
    // After the decisions: the timelines, flags and figures that carry them.
    [
      'post',
      '/v1/flags/{flagId}/decision',
      `/v1/flags/${FLAGS.concurrent3}/decision`,
      'admin',
      { decision: 'reject', note: 'n' },
    ],
    ['get', '/v1/sessions/{platformId}/{sessionId}', '/v1/sessions/cvto/s1', 'admin'],
    ['get', '/v1/sessions/{platformId}/{sessionId}', '/v1/sessions/skillup/s2', 'supervisor'],
    ['get', '/v1/sessions/{platformId}/{sessionId}', '/v1/sessions/cvto/s3', 'admin'],
    ['get', '/v1/flags', '/v1/flags?status=approved', 'admin'],
    ['get', '/v1/flags', '/v1/flags?status=rejected&format=csv', 'admin'],
    ['get', '/v1/flags', '/v1/flags?limit=2', 'admin'],
    ['get', '/v1/stats/hours', '/v1/stats/hours?from=2026-03-01&to=2026-03-02&groupBy=learner,day', 'admin'],
    ['get', '/v1/stats/learners/{learnerId}', '/v1/stats/learners/learner-2', 'admin'],
    ['get', '/v1/stats/learners/{learnerId}', '/v1/stats/learners/learner-3?to=2026-03-01', 'admin'],
    ['get', '/v1/stats/programme', '/v1/stats/programme', 'admin'],
  ];

  it('a decision body over the body limit answers 413 payload_too_large, a status the document lists', async () => {
    const res = await h.post(
      `/v1/flags/${FLAGS.late2}/decision`,
      { decision: 'reject', note: 'x'.repeat(2_000_000) },
      'supervisor',
    );
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ error: { code: 'payload_too_large', message: 'Request body is too large' } });
    expect(departures('post', '/v1/flags/{flagId}/decision', res)).toEqual([]);
  });

  const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
  async function run(harness: Harness, found: string[]): Promise<string[]> {
    const answers: string[] = [];
    for (const [method, template, url, token, body, headers] of cases) {
      const res =
        method === 'get'
          ? await harness.get(url, token, headers ?? {})
          : await harness.post(url, body, token, headers ?? {});
      answers.push(
        `${method.toUpperCase()} ${url.slice(0, 100)} → ${res.status} ${res.text.replace(UUID, 'uuid')}`,
      );
      for (const d of departures(method, template, res))
        found.push(`${method.toUpperCase()} ${url.slice(0, 100)} → ${d}`);
    }
    return answers;
  }

  it.runIf(clickhouseUrl)('the embedded and the ClickHouse warehouse give the same answers', async () => {
    const found: string[] = [];
    const [a, b] = onClickHouse as [Harness, Harness];
    expect(await run(a, found)).toEqual(await run(h, found));
    expect(await run(b, found)).toEqual(await run(hc, found));
    expect(found).toEqual([]);
  });

  it('every answer of every documented operation is documented', async () => {
    const found: string[] = [];
    for (const harness of [h, hc]) await run(harness, found);
    expect(found).toEqual([]);
  });
});
