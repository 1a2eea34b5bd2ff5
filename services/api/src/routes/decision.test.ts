import type { DecisionRecord } from '@hourglass/events';
import { createEmbeddedWarehouse, type Warehouse, WarehouseError } from '@hourglass/warehouse';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogPipelineStatus, pipelineStages } from '../pipeline-status';
import { flagSchema } from '../responses';
import { FLAGS, seed } from '../testing/fixtures';
import { createHarness, type Harness, topics } from '../testing/harness';
import { s1Flag, s1Segment, T } from '../testing/session-s1';

const RANGE = 'from=2026-03-01&to=2026-03-02';
const NOW = Date.parse('2026-03-05T08:00:00Z');

describe('POST /v1/flags/{flagId}/decision', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });
  const start = async (warehouse?: Warehouse) => {
    h = await createHarness({ clock: () => NOW, ...(warehouse ? { warehouse } : {}) });
    await seed(h.warehouse);
    return h;
  };
  const decisionUrl = (flagId: string) => `/v1/flags/${flagId}/decision`;

  it('records who and when, answers the updated flag, and counts it', async () => {
    await start();
    const res = await h.decide(FLAGS.idle1, 'reject', 'slept, "clearly"', 'admin');
    expect(res.status).toBe(200);
    expect(flagSchema.parse(res.json)).toEqual(res.json);
    expect(res.json.status).toBe('rejected');
    expect(res.json.decisions).toEqual([
      {
        decisionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        decision: 'reject',
        note: 'slept, "clearly"',
        by: 'demo.admin',
        at: '2026-03-05T08:00:00.000Z',
        coversUntil: '2026-03-01T02:30:00.000Z',
      },
    ]);
    const [record] = await h.decisionRecords();
    expect(record).toEqual({
      decisionId: res.json.decisions[0].decisionId,
      flagId: FLAGS.idle1,
      decision: 'reject',
      note: 'slept, "clearly"',
      by: 'demo.admin',
      atMs: NOW,
      coversUntilMs: Date.parse('2026-03-01T02:30:00Z'),
    });
    const metric = await h.registry.getSingleMetricAsString('hourglass_api_decisions_total');
    expect(metric).toContain('hourglass_api_decisions_total{decision="reject"} 1');
  });

  // Found in review: segments and flag updates reach the warehouse through different topics, so it can
  // hold a flag's newer withheld segment while the flag row's lastAt is still older. SPEC §4: a decision
  // covers the flag's withheld segments created before it.
  it('covers every withheld segment of the flag the warehouse holds, also past a flag row that lags', async () => {
    h = await createHarness({ clock: () => NOW });
    const seg = (id: string, from: string, to: string) => s1Segment(id, from, to, ['F-idle'], 'idle');
    await h.warehouse.insertSegments([seg('w1', '08:05', '08:10'), seg('w2', '08:15', '08:20')]);
    // version 1: w2's update has not arrived yet
    await h.warehouse.upsertFlags([s1Flag('F-idle', 'idle', '08:10', { withheldMs: 5 * 60_000 })]);
    expect((await h.decide('F-idle', 'approve')).status).toBe(200);
    expect((await h.decisionRecords()).map((d) => d.coversUntilMs)).toEqual([T('08:20')]);
    const after = await h.get('/v1/sessions/cvto/S1', 'supervisor');
    expect(
      after.json.segments.map((s: { segmentId: string; effective: string }) => [s.segmentId, s.effective]),
    ).toEqual([
      ['w1', 'verified'],
      ['w2', 'verified'],
    ]);
  });

  // Found in review: a decision's place among the flag's decisions was its `atMs`, the API process's wall
  // clock (ties: the random decisionId). A clock that steps back (NTP), another API process whose clock is
  // behind, or two decisions in one millisecond put the reject of the reopened part first, and as the
  // first decision covering the earlier part it took that part over: approved time became rejected.
  it.each([
    ['stepped back', [NOW, NOW - 1]],
    ['stood still (both decisions in one millisecond)', [NOW, NOW]],
  ])('a reject after a reopen leaves the approved part verified even when the clock %s', async (_, times) => {
    const clocks = [...times];
    h = await createHarness({ clock: () => clocks.shift() ?? NOW });
    const seg = (id: string, from: string, to: string) => s1Segment(id, from, to, ['F-late']);
    const flag = (lastAt: string, version: number) =>
      s1Flag('F-late', 'late_report', '08:10', {
        lastAtMs: T(lastAt),
        occurrences: version,
        withheldMs: version * 5 * 60_000,
        version,
      });
    await h.warehouse.insertSegments([seg('w1', '08:05', '08:10')]);
    await h.warehouse.upsertFlags([flag('08:10', 1)]);
    expect((await h.decide('F-late', 'approve')).status).toBe(200);
    // New withheld time reopens the flag; the supervisor rejects the new part.
    await h.warehouse.insertSegments([seg('w2', '08:10', '08:15')]);
    await h.warehouse.upsertFlags([flag('08:15', 2)]);
    const rejected = await h.decide('F-late', 'reject');
    expect(rejected.status).toBe(200);
    expect(rejected.json.status).toBe('rejected');
    const timeline = await h.get('/v1/sessions/cvto/S1', 'supervisor');
    expect(
      timeline.json.segments.map((s: { segmentId: string; effective: string }) => [s.segmentId, s.effective]),
    ).toEqual([
      ['w1', 'verified'],
      ['w2', 'rejected'],
    ]);
    const hours = await h.get('/v1/stats/hours?from=2026-03-01&to=2026-03-01', 'statistician');
    expect(hours.json.rows).toEqual([
      { verifiedHours: 5 / 60, pendingHours: 0, rejectedHours: 5 / 60, learners: 1 },
    ]);
    // The audit trail keeps the order the decisions were made in.
    expect((await h.decisionRecords()).map((d) => [d.decision, d.atMs, d.coversUntilMs])).toEqual([
      ['approve', NOW, T('08:10')],
      ['reject', NOW + 1, T('08:15')],
    ]);
  });

  it('validates the body precisely; nothing is recorded', async () => {
    await start();
    const cases: [unknown, string][] = [
      [{}, 'decision: is required'],
      [{ decision: 'accept' }, 'decision: must be approve or reject, got "accept"'],
      [{ decision: 'approve', note: 'x'.repeat(2001) }, 'note: must be at most 2000 characters'],
      [{ decision: 'approve', by: 'someone.else' }, 'unknown body field "by"'],
      [{ decision: 'approve', note: null }, 'note: must be a string'],
      // Found in review: answered 200 "approved", then refused by the warehouse and skipped downstream.
      [
        '{"decision":"approve","note":"ok \\ud800"}',
        'note: must be well-formed Unicode text (no lone surrogate escapes)',
      ],
      [['approve'], 'body: must be a JSON object'],
      ['"approve"', 'body: must be a JSON object'],
    ];
    for (const [body, message] of cases) {
      const res = await h.post(decisionUrl(FLAGS.idle1), body, 'supervisor');
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.message, JSON.stringify(body)).toBe(message);
    }
    const query = await h.post(
      `${decisionUrl(FLAGS.idle1)}?decision=approve`,
      { decision: 'approve' },
      'supervisor',
    );
    expect(query.json.error.message).toBe('unknown query parameter "decision"');
    const notJson = await h.post(decisionUrl(FLAGS.idle1), '{"decision":', 'supervisor');
    expect(notJson.status).toBe(400);
    expect(notJson.json.error.code).toBe('invalid_json');
    const text = await h.post(decisionUrl(FLAGS.idle1), 'approve', 'supervisor', {
      'content-type': 'text/plain',
    });
    expect(text.status).toBe(415);
    expect(text.json.error.code).toBe('unsupported_media_type');
    expect(await h.decisionRecords()).toEqual([]);
    expect((await h.get(`/v1/flags/${FLAGS.idle1}`, 'supervisor')).json.status).toBe('open');
  });

  it('a note of exactly 2000 characters (unicode, quotes, SQL) is kept verbatim', async () => {
    await start();
    const note = `'; DROP TABLE decisions; -- \\ "学员" ${'é'.repeat(2000)}`.slice(0, 2000);
    expect(note).toHaveLength(2000);
    const res = await h.decide(FLAGS.late2, 'approve', note);
    expect(res.status).toBe(200);
    expect(res.json.decisions[0].note).toBe(note);
    expect((await h.get(`/v1/flags/${FLAGS.late2}`, 'supervisor')).json.decisions[0].note).toBe(note);
  });

  it('a note of 2000 characters outside the BMP (4000 UTF-16 units), within the documented maxLength 2000, is recorded verbatim', async () => {
    await start();
    // U+20000, a CJK Extension B ideograph: one character, two UTF-16 units. zod's max and the OpenAPI
    // document's maxLength count characters; the note must not be refused for its UTF-16 length.
    const note = '\u{20000}'.repeat(2000);
    const res = await h.decide(FLAGS.late2, 'approve', note);
    expect(res.status).toBe(200);
    expect(res.json.decisions[0].note).toBe(note);
    expect((await h.decisionRecords()).map((r) => r.note)).toEqual([note]);
    expect((await h.get(`/v1/flags/${FLAGS.late2}`, 'supervisor')).json.decisions[0].note).toBe(note);
    const over = await h.decide(FLAGS.idle1, 'approve', `${note}x`);
    expect(over.status).toBe(400);
    expect(over.json.error.message).toBe('note: must be at most 2000 characters');
  });

  it('503 with Retry-After when the decisions log is unavailable; nothing changes', async () => {
    await start();
    h.log.setUnavailable(true);
    const res = await h.decide(FLAGS.idle1, 'approve');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json.error).toEqual({
      code: 'unavailable',
      message: 'the decisions log is unavailable; the decision was not recorded, retry later',
    });
    const flag = await h.get(`/v1/flags/${FLAGS.idle1}`, 'supervisor');
    expect(flag.json).toMatchObject({ status: 'open', decisions: [] });
    h.log.setUnavailable(false);
    expect((await h.decide(FLAGS.idle1, 'approve')).status).toBe(200);
  });

  it('simultaneous decisions on one flag: one wins, the other is 409', async () => {
    await start();
    const answers = await Promise.all([
      h.decide(FLAGS.late2, 'approve', 'first'),
      h.decide(FLAGS.late2, 'reject', 'second'),
      h.decide(FLAGS.late2, 'approve', 'third'),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409]);
    expect(await h.decisionRecords()).toHaveLength(1);
  });

  it('a decision on a flag that withholds nothing is recorded and moves no hours', async () => {
    await start();
    const before = (await h.get(`/v1/stats/hours?${RANGE}`, 'statistician')).json;
    const res = await h.decide(FLAGS.seek1, 'reject', 'skipped the video');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ kind: 'seek_ahead', status: 'rejected', withheldSeconds: 0 });
    expect((await h.get(`/v1/stats/hours?${RANGE}`, 'statistician')).json).toEqual(before);
  });

  it('if the warehouse cannot take the decision yet, it is still recorded and answered', async () => {
    const inner = createEmbeddedWarehouse({ timeZone: 'Asia/Shanghai' });
    const flaky: Warehouse = {
      ...inner,
      insertDecisions: async () => {
        throw new WarehouseError('unavailable', 'down');
      },
    };
    await start(flaky);
    const res = await h.decide(FLAGS.idle1, 'approve', 'ok');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ flagId: FLAGS.idle1, status: 'approved' });
    expect(res.json.decisions).toHaveLength(1);
    expect(await h.decisionRecords()).toHaveLength(1);
  });

  it('if the warehouse cannot take a reject yet, the answer says rejected, as the log does', async () => {
    const inner = createEmbeddedWarehouse({ timeZone: 'Asia/Shanghai' });
    const flaky: Warehouse = {
      ...inner,
      insertDecisions: async () => {
        throw new WarehouseError('unavailable', 'down');
      },
    };
    await start(flaky);
    const res = await h.decide(FLAGS.idle1, 'reject', 'slept');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ flagId: FLAGS.idle1, status: 'rejected' });
    expect(res.json.decisions.map((d: { decision: string }) => d.decision)).toEqual(['reject']);
    expect((await h.decisionRecords()).map((d) => d.decision)).toEqual(['reject']);
  });

  // Found in review: the first decision stood (it is in the log) but the warehouse did not hold it yet, so
  // the next decision on the flag in this process found it open, was recorded too and answered "rejected",
  // while the earlier approval governs the flag's time and status once the aggregator writes it.
  it('after a decision the warehouse could not take, a second decision on the flag is 409, not recorded', async () => {
    const inner = createEmbeddedWarehouse({ timeZone: 'Asia/Shanghai' });
    let failures = 1;
    const flaky: Warehouse = {
      ...inner,
      insertDecisions: async (rows) => {
        if (failures-- > 0) throw new WarehouseError('unavailable', 'down');
        return inner.insertDecisions(rows);
      },
    };
    await start(flaky);
    const first = await h.decide(FLAGS.idle1, 'approve', 'ok');
    expect(first.status).toBe(200);
    expect(first.json.status).toBe('approved');
    const second = await h.decide(FLAGS.idle1, 'reject', 'changed my mind');
    expect(second.status).toBe(409);
    expect((await h.decisionRecords()).map((d) => d.decision)).toEqual(['approve']);
    const flag = await h.get(`/v1/flags/${FLAGS.idle1}`, 'supervisor');
    expect(flag.json.status).toBe('approved');
    expect(flag.json.decisions.map((d: { decision: string }) => d.decision)).toEqual(['approve']);
  });

  it('503 when the warehouse is unavailable before anything is recorded', async () => {
    const inner = createEmbeddedWarehouse({ timeZone: 'Asia/Shanghai' });
    const down: Warehouse = {
      ...inner,
      getFlag: async () => {
        throw new WarehouseError('unavailable', 'connect ECONNREFUSED');
      },
    };
    await start(down);
    const res = await h.decide(FLAGS.idle1, 'approve');
    expect(res.status).toBe(503);
    expect(res.json.error.message).toBe('the warehouse is unavailable (flag); retry later');
    expect(await h.decisionRecords()).toEqual([]);
  });

  it('caughtUp is false until the aggregator has consumed the decision, then true', async () => {
    h = await createHarness({
      clock: () => NOW,
      pipelineStatus: (log) =>
        createLogPipelineStatus({ admin: log.admin(), stages: pipelineStages('test.', topics) }),
    });
    await seed(h.warehouse);
    expect((await h.get('/v1/admin/pipeline', 'admin')).json.caughtUp).toBe(true);
    const before = (await h.get(`/v1/stats/hours?${RANGE}`, 'statistician')).json.rows[0];
    expect((await h.decide(FLAGS.late2, 'approve')).status).toBe(200);
    // Visible to the next read at once (the API wrote it to the warehouse too) …
    const after = (await h.get(`/v1/stats/hours?${RANGE}`, 'statistician')).json.rows[0];
    expect(after.verifiedHours - before.verifiedHours).toBeCloseTo(0.25, 9);
    // … but the pipeline is caught up only once the aggregator committed the decisions topic.
    const pending = await h.get('/v1/admin/pipeline', 'admin');
    expect(pending.json.caughtUp).toBe(false);
    expect(pending.json.stages[1]).toMatchObject({ name: 'aggregator', lag: 1 });

    // Stands in for the aggregator: same group id, same idempotent insert.
    const aggregator = h.log.consumer({ groupId: 'test.aggregator' });
    await new Promise<void>((resolve) => {
      void aggregator.start({
        topics: [topics.decisions],
        fromBeginning: true,
        onBatch: async (b) => {
          await h.warehouse.insertDecisions(b.records.map((r) => JSON.parse(r.value) as DecisionRecord));
          resolve();
        },
      });
    });
    await aggregator.stop();
    expect((await h.get('/v1/admin/pipeline', 'admin')).json.caughtUp).toBe(true);
    // Inserted twice (API and aggregator), counted once.
    expect((await h.get(`/v1/stats/hours?${RANGE}`, 'statistician')).json.rows[0]).toEqual(after);
  });
});
