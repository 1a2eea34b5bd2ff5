import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateTraffic } from '@hourglass/cli';
import { createDetector } from '@hourglass/detector';
import { createDayOf, topicNames } from '@hourglass/events';
import { createEmbeddedLog } from '@hourglass/log';
import { createPolicyFor } from '@hourglass/rules';
import { createMemoryStateStore } from '@hourglass/state';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { readTopic } from '../support/topics';

const fromHere = createRequire(import.meta.url);
const fromFastify = createRequire(createRequire(fromHere.resolve('@hourglass/api')).resolve('fastify'));
const fromCompiler = createRequire(fromFastify.resolve('@fastify/ajv-compiler'));
// biome-ignore lint/suspicious/noExplicitAny: untyped require of a transitive dependency
const Ajv2020 = (fromCompiler('ajv/dist/2020') as any).default;
const schemas = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas');
const ajv = new Ajv2020({ strict: false, allErrors: true });
const schemaOf = (name: string) =>
  ajv.compile(JSON.parse(readFileSync(join(schemas, `message.${name}.schema.json`), 'utf8')));

describe('the detector writes what the checked-in message schemas describe', () => {
  it('every segment, flag update, session, certificate and event count of simulated traffic matches its schema', async () => {
    const topics = topicNames('conformance.');
    const log = createEmbeddedLog({ partitions: 2 });
    await log.admin().ensureTopics(Object.values(topics).map((name) => ({ name, partitions: 2 })));
    const { events } = generateTraffic({
      platforms: 3,
      platformIds: ['cvto', 'skillup', 'gongjiang'],
      learners: 60,
      cheaters: 0.5,
      seed: 11,
      minutes: 90,
      startMs: Date.UTC(2026, 2, 1, 8),
      idPrefix: 'conf',
    });
    const producer = log.producer();
    await producer.send(
      events.map((e) => ({ topic: topics.events, key: e.learnerId, value: JSON.stringify(e) })),
    );
    const detector = createDetector({
      log,
      state: createMemoryStateStore(),
      policyFor: createPolicyFor(),
      dayOf: createDayOf('Asia/Shanghai'),
      eventsTopic: topics.events,
      topics,
      groupId: 'detector',
      registry: new Registry(),
      logger: { info() {}, warn() {}, error() {} },
    });
    await detector.start();
    const until = Date.now() + 60_000;
    for (;;) {
      const [ends, done] = await Promise.all([
        log.admin().endOffsets(topics.events),
        log.admin().committedOffsets('detector', topics.events),
      ]);
      const lag =
        ends.reduce((n, e) => n + Number(e.offset), 0) - done.reduce((n, c) => n + Number(c.offset ?? 0), 0);
      if (lag === 0) break;
      if (Date.now() > until) throw new Error(`detector lag ${lag}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await detector.stop();
    const found: string[] = [];
    const counts: Record<string, number> = {};
    for (const [topicKey, schema] of Object.entries({
      segments: 'segment',
      flags: 'flag-update',
      sessions: 'session',
      certificates: 'certificate',
      counts: 'event-count',
    })) {
      const topic = (topics as Record<string, string>)[topicKey];
      if (topic === undefined) {
        found.push(`no topic ${topicKey}: ${Object.keys(topics)}`);
        continue;
      }
      const validate = schemaOf(schema);
      const records = await readTopic(log, topic, `read-${topicKey}`);
      counts[topicKey] = records.length;
      for (const { value: v } of records)
        if (!validate(JSON.parse(v)))
          found.push(`${topicKey}: ${ajv.errorsText(validate.errors)} in ${v.slice(0, 300)}`);
    }
    expect(Object.values(counts).every((n) => n > 0)).toBe(true);
    await log.close();
    expect(found.slice(0, 20)).toEqual([]);
  }, 120_000);
});
