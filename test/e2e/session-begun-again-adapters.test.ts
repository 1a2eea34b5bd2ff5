import { createClient } from '@clickhouse/client';
import { type AcceptedEvent, type DecisionRecord, flagIdOf } from '@hourglass/events';
import { createPolicyFor, runSequence } from '@hourglass/rules';
import {
  clickHouseOptionsFromUrl,
  createClickHouseWarehouse,
  createEmbeddedWarehouse,
  type Warehouse,
} from '@hourglass/warehouse';
import { describe, expect, it } from 'vitest';
import { cleanupsAfterAll } from '../support/cleanups';
import { realServers, uniqueName } from '../support/servers';

/**
 * A session pruned after two horizons and begun again by a later event of the same sessionId. Its records
 * and flags used to start again at version 1: a new version equal to a stored one was kept as the first
 * copy by the embedded store and as the last inserted by ClickHouse once it merged, so the same events
 * read differently on the two adapters (found in review). Versions now follow the session's latest touch
 * (packages/rules/src/versions.ts), so the session begun again is above the dropped one everywhere.
 */
describe('a session begun again after pruning, on both warehouses', () => {
  const cleanups = cleanupsAfterAll();

  const event = (
    id: string,
    type: AcceptedEvent['type'],
    time: string,
    extra: Record<string, unknown>,
    lateSec = 0,
  ) =>
    ({
      id,
      type,
      time,
      receivedAt: new Date(Date.parse(time) + lateSec * 1000).toISOString(),
      platformId: 'cvto',
      learnerId: 'L1',
      sessionId: 'S-long',
      ...extra,
    }) as AcceptedEvent;
  const beat = (id: string, time: string, seq: number, lateSec = 0) =>
    event(
      id,
      'heartbeat',
      time,
      { courseId: 'weld-101', seq, intervalSec: 30, focus: true, interactions: 2 },
      lateSec,
    );
  // Day 1: a sitting whose heartbeat came 10 min late (late_report), then its end. Day 20: the same
  // sessionId again, begun by a heartbeat, with a late heartbeat of its own and an end.
  const day1 = [
    event('a1', 'session.start', '2026-03-01T08:00:00Z', { courseId: 'weld-101', deviceId: 'D1' }),
    beat('a2', '2026-03-01T08:00:30Z', 1, 600),
    event('a3', 'session.end', '2026-03-01T08:01:00Z', {}),
  ];
  const day20 = [
    beat('b1', '2026-03-20T08:00:00Z', 1),
    beat('b2', '2026-03-20T08:00:30Z', 2, 600),
    event('b3', 'session.end', '2026-03-20T08:01:00Z', {}),
  ];
  const flagId = flagIdOf('cvto', 'S-long', 'late_report');
  const approval: DecisionRecord = {
    decisionId: 'd-day1',
    flagId,
    decision: 'approve',
    note: 'day 1 checked',
    by: 'wang.li',
    atMs: Date.parse('2026-03-02T00:00:00Z'),
    coversUntilMs: Date.parse('2026-03-01T08:00:30Z'),
  };

  /** Each event's outputs as the aggregator writes them (one write per record kind and event). */
  async function feed(w: Warehouse, events: AcceptedEvent[], all: AcceptedEvent[]) {
    const { out } = runSequence(all, createPolicyFor());
    for (const o of out.slice(all.length - events.length)) {
      if (o.segments.length > 0) await w.insertSegments(o.segments);
      if (o.flags.length > 0) await w.upsertFlags(o.flags);
      if (o.sessions.length > 0) await w.upsertSessions(o.sessions);
    }
  }

  async function load(w: Warehouse) {
    await w.migrate();
    await feed(w, day1, day1);
    await w.insertDecisions([approval]);
    await feed(w, day20, [...day1, ...day20]);
  }

  it('the session begun again stands on the embedded store and on ClickHouse after merges', async () => {
    const { url, username, password } = clickHouseOptionsFromUrl(realServers().clickhouseUrl);
    const creds = { ...(username ? { username } : {}), ...(password ? { password } : {}) };
    const database = uniqueName('ids_begun_again').replaceAll(/[^A-Za-z0-9_]/g, '_');
    const admin = createClient({ url, ...creds });
    cleanups.push(async () => {
      await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await admin.close();
    });
    const clickhouse = createClickHouseWarehouse({ url, ...creds, database, timeZone: 'Asia/Shanghai' });
    cleanups.push(() => clickhouse.close());
    const embedded = createEmbeddedWarehouse({ timeZone: 'Asia/Shanghai' });
    await load(embedded);
    await load(clickhouse);
    for (const table of ['flags', 'sessions'])
      await admin.command({ query: `OPTIMIZE TABLE ${database}.${table} FINAL` });

    const read = async (w: Warehouse) => {
      const f = await w.getFlag(flagId);
      const t = await w.getSession('cvto', 'S-long');
      return {
        flag: [f?.status, f?.firstAtMs, f?.lastAtMs],
        session: [t?.session?.startMs, t?.session?.deviceId],
      };
    };
    // The day-20 flag, open again (its withheld time is past what the day-1 approval covered), and the
    // day-20 session record (begun by a heartbeat: device unknown).
    const day20Flag = ['open', Date.parse('2026-03-20T08:00:30Z'), Date.parse('2026-03-20T08:00:30Z')];
    const expected = { flag: day20Flag, session: [Date.parse('2026-03-20T08:00:00Z'), 'unknown'] };
    expect(await read(embedded)).toEqual(expected);
    expect(await read(clickhouse)).toEqual(await read(embedded));
  });
});
