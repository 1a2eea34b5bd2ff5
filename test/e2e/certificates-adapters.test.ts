import { type AcceptedEvent, stateKeyPrefix, topicNames } from '@hourglass/events';
import { createKafkaLog } from '@hourglass/log';
import { DEMO_TOKENS, type Env } from '@hourglass/runtime';
import { describe, expect, it } from 'vitest';
import { withAllInOne } from '../support/all-in-one';
import { cleanupsAfterAll } from '../support/cleanups';
import type { HourglassClient } from '../support/client';
import { deleteKeys } from '../support/pipeline';
import { realServers, uniqueName } from '../support/servers';

/**
 * SPEC §4 Certificates, §5 stats/learners and stats/programme: literal certificate cases through the
 * whole pipeline, embedded all-in-one and on Kafka, Redis and ClickHouse 18.16 — same answers, and the
 * answers the SPEC asks for.
 */

const iso = (ms: number) => new Date(ms).toISOString();
const T0 = Date.parse('2026-03-01T08:00:00Z');
const MIN = 60_000;

type Extra = Record<string, unknown>;
function ev(id: string, type: AcceptedEvent['type'], atMs: number, fields: Extra, lateMs = 0): AcceptedEvent {
  return { id, type, time: iso(atMs), receivedAt: iso(atMs + lateMs), ...fields } as AcceptedEvent;
}

/** A sitting of `beats` heartbeats 30 s apart, active unless `idleFrom` (index) on. */
function sitting(opts: {
  p: string;
  learner: string;
  session: string;
  course: string;
  startMs: number;
  beats: number;
  idleFrom?: number;
}): AcceptedEvent[] {
  const base = { platformId: opts.p, learnerId: opts.learner, sessionId: opts.session };
  const out: AcceptedEvent[] = [
    ev(`${opts.session}-start`, 'session.start', opts.startMs, {
      ...base,
      courseId: opts.course,
      deviceId: `${opts.learner}-dev`,
    }),
  ];
  for (let i = 1; i <= opts.beats; i++) {
    const active = opts.idleFrom === undefined || i < opts.idleFrom;
    out.push(
      ev(`${opts.session}-hb${i}`, 'heartbeat', opts.startMs + i * 30_000, {
        ...base,
        courseId: opts.course,
        seq: i,
        intervalSec: 30,
        focus: active,
        interactions: active ? 2 : 0,
      }),
    );
  }
  out.push(ev(`${opts.session}-end`, 'session.end', opts.startMs + opts.beats * 30_000, { ...base }));
  return out;
}

function cert(
  id: string,
  p: string,
  learner: string,
  course: string,
  certificateId: string,
  requiredHours: number,
  atMs: number,
  lateMs = 0,
): AcceptedEvent {
  return ev(
    id,
    'certificate.issued',
    atMs,
    { platformId: p, learnerId: learner, courseId: course, certificateId, requiredHours },
    lateMs,
  );
}

const events: AcceptedEvent[] = [
  // A certificate issued before any study (all days count, so later hours back it).
  cert('c0', 'cvto', 'LA', 'weld-101', 'C-early', 0.1, T0 - 30 * MIN),
  // LA: 5 min on cvto and 5 min on skillup, course weld-101.
  ...sitting({ p: 'cvto', learner: 'LA', session: 'SA1', course: 'weld-101', startMs: T0, beats: 10 }),
  ...sitting({
    p: 'skillup',
    learner: 'LA',
    session: 'SA2',
    course: 'weld-101',
    startMs: T0 + 60 * MIN,
    beats: 10,
  }),
  // LA: a session with 2.5 min active then idle past the timeout (withheld: idle).
  ...sitting({
    p: 'cvto',
    learner: 'LA',
    session: 'SA3',
    course: 'cnc-201',
    startMs: T0 + 120 * MIN,
    beats: 25,
    idleFrom: 6,
  }),
  // On another platform, the course studied on two others: 10 min verified → backed.
  cert('c1', 'gongjiang', 'LA', 'weld-101', 'C-1', 10 / 60, T0 + 200 * MIN),
  // 12 min claimed: not backed.
  cert('c2', 'cvto', 'LA', 'weld-101', 'C-2', 0.2, T0 + 201 * MIN),
  // The same certificate id again under another event id and claim: the first copy stands.
  cert('c3', 'gongjiang', 'LA', 'weld-101', 'C-1', 1000, T0 + 202 * MIN),
  // The same event resent: a duplicate.
  cert('c1', 'gongjiang', 'LA', 'weld-101', 'C-1', 10 / 60, T0 + 200 * MIN),
  // Late by two days, huge claim.
  cert('c4', 'cvto', 'LA', 'weld-101', 'C-huge', 1000, T0 + 203 * MIN, 2 * 86_400_000),
  // The idle course: 450 s verified, 300 s withheld (idle); 0.2 h = 720 s is backed once approved.
  cert('c5', 'cvto', 'LA', 'cnc-201', 'C-cnc', 0.2, T0 + 204 * MIN),
  // A learner without sessions.
  cert('c6', 'skillup', 'LB', 'weld-101', 'C-nobody', 0.001, T0 + 205 * MIN),
].sort((a, b) => Date.parse(a.receivedAt) - Date.parse(b.receivedAt));

async function answers(client: HourglassClient) {
  const learner = (id: string, q = '') => client.get(`/v1/stats/learners/${id}${q}`);
  const programme = (await client.get('/v1/stats/programme')) as Record<string, unknown>;
  return {
    LA: await learner('LA'),
    LAday: await learner('LA', '?from=2026-03-02&to=2026-03-02'),
    LB: await learner('LB'),
    certificates: programme.certificates,
    verifiedHours: programme.verifiedHours,
  };
}

async function run(env: Env) {
  return withAllInOne(env, async (client) => {
    expect(await client.replay(events)).toEqual({ accepted: events.length, rejected: 0 });
    await client.waitCaughtUp();
    const before = await answers(client);
    const flags = (await client.allFlags()).filter((f) => f.learnerId === 'LA' && f.kind === 'idle');
    expect(flags).toHaveLength(1);
    await client.post(
      `/v1/flags/${flags[0]?.flagId}/decision`,
      { decision: 'approve', note: 'ok' },
      DEMO_TOKENS.supervisor,
    );
    await client.waitCaughtUp();
    const after = await answers(client);
    return { before, after };
  });
}

describe('certificates through the pipeline, embedded and on the real servers', () => {
  const cleanups = cleanupsAfterAll();
  const servers = realServers();

  it('same answers, and the SPEC’s', async () => {
    const embedded = await run({ port: 0, topicPrefix: 'hourglass.', logLevel: 'silent' });
    const prefix = `${uniqueName('certs')}.`;
    const db = uniqueName('certs').replaceAll('-', '_');
    const log = createKafkaLog({ brokers: servers.kafkaBrokers.split(','), clientId: 'certs' });
    cleanups.push(() => log.close());
    cleanups.push(async () => log.admin().deleteTopics?.(Object.values(topicNames(prefix))));
    cleanups.push(() => deleteKeys(servers.redisUrl, stateKeyPrefix(prefix)));
    cleanups.push(() =>
      fetch(`${servers.clickhouseUrl}/?query=${encodeURIComponent(`DROP DATABASE IF EXISTS ${db}`)}`, {
        method: 'POST',
      }),
    );
    const real = await run({
      port: 0,
      topicPrefix: prefix,
      logLevel: 'silent',
      kafkaBrokers: servers.kafkaBrokers.split(','),
      redisUrl: servers.redisUrl,
      clickhouseUrl: `${servers.clickhouseUrl}/${db}`,
      kafkaSessionTimeoutMs: 6000,
    });
    expect(real).toEqual(embedded);
    const brief = (a: Awaited<ReturnType<typeof answers>>) => ({
      LA: (a.LA as { certificates: Record<string, unknown>[] }).certificates.map((c) => [
        c.certificateId,
        c.requiredHours,
        c.courseVerifiedHours,
        c.backed,
      ]),
      // The day range narrows the totals, never the certificates (README, services/api/README.md).
      LAday: (a.LAday as { totals: unknown[]; certificates: unknown[] }).certificates.length,
      LB: a.LB,
      certificates: a.certificates,
      verifiedHours: a.verifiedHours,
    });
    const weld = 600 / 3600;
    expect(brief(embedded.before)).toEqual({
      LA: [
        ['C-early', 0.1, weld, true],
        ['C-1', 10 / 60, weld, true],
        ['C-2', 0.2, weld, false],
        ['C-huge', 1000, weld, false],
        ['C-cnc', 0.2, 450 / 3600, false],
      ],
      LAday: 5,
      LB: {
        learnerId: 'LB',
        from: null,
        to: null,
        totals: [],
        certificates: [
          {
            certificateId: 'C-nobody',
            platformId: 'skillup',
            courseId: 'weld-101',
            requiredHours: 0.001,
            issuedAt: '2026-03-01T11:25:00.000Z',
            courseVerifiedHours: 0,
            backed: false,
          },
        ],
      },
      certificates: { issued: 6, backed: 2 },
      verifiedHours: 1050 / 3600,
    });
    expect(brief(embedded.after)).toMatchObject({
      LA: [
        ['C-early', 0.1, weld, true],
        ['C-1', 10 / 60, weld, true],
        ['C-2', 0.2, weld, false],
        ['C-huge', 1000, weld, false],
        ['C-cnc', 0.2, 750 / 3600, true],
      ],
      certificates: { issued: 6, backed: 3 },
      verifiedHours: 1350 / 3600,
    });
  }, 240_000);
});
