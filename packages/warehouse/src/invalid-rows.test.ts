import { describe, expect, it } from 'vitest';
import { createEmbeddedWarehouse } from './embedded/warehouse';
import { isWarehouseError } from './errors';
import { invalidRows } from './invalid-rows';
import { CERTIFICATES, FLAGS, SEGMENTS, SESSIONS, TZ } from './testing/fixtures';

describe('invalidRows: the rows a write refuses, found without writing', () => {
  it('names each refused row by position, with the field and value the write’s error names', () => {
    const rows = [
      SEGMENTS[0],
      { ...SEGMENTS[1], status: 'approved' },
      SEGMENTS[2],
      { ...SEGMENTS[3], learnerId: "x' OR 1=1" },
      { ...SEGMENTS[4], endMs: (SEGMENTS[4]?.startMs ?? 0) - 1 },
      null,
    ];
    expect(invalidRows('segments', rows)).toEqual([
      { index: 1, reason: 'segment.status: invalid value "approved"', field: 'segment.status' },
      { index: 3, reason: `segment.learnerId: invalid value "x' OR 1=1"`, field: 'segment.learnerId' },
      {
        index: 4,
        reason: `segment.endMs (before startMs): invalid value ${(SEGMENTS[4]?.startMs ?? 0) - 1}`,
        field: 'segment.endMs (before startMs)',
      },
      { index: 5, reason: 'segment: invalid value null', field: 'segment' },
    ]);
  });

  // Found in review: the checks remember values that passed, and started out "remembering" undefined,
  // so a segment without learnerId (or platformId, occupation, region, learnerGroup) as a batch's first
  // row passed; the embedded store kept it, and ClickHouse's encoder threw a TypeError that was retried.
  it('refuses a row missing any of its keys, also as the first row of a batch', async () => {
    const tables = {
      segments: SEGMENTS[0],
      flags: FLAGS[0],
      sessions: Object.values(SESSIONS)[0],
      certificates: CERTIFICATES[0],
    } as const;
    for (const [table, row] of Object.entries(tables)) {
      for (const key of Object.keys(row as object)) {
        const { [key]: _dropped, ...missing } = row as Record<string, unknown>;
        const found = invalidRows(table as keyof typeof tables, [missing, row]);
        expect(
          found.map((f) => f.index),
          `${table} without ${key}`,
        ).toEqual([0]);
        expect(found[0]?.reason, `${table} without ${key}`).toContain(key);
      }
    }
    const w = createEmbeddedWarehouse({ timeZone: TZ });
    const { learnerId: _l, ...noLearner } = SEGMENTS[0] as Record<string, unknown>;
    await expect(w.insertSegments([noLearner as never])).rejects.toSatisfy((e) =>
      isWarehouseError(e, 'invalid'),
    );
    expect((await w.counts()).segments).toBe(0);
  });

  it('finds nothing in rows every table accepts', () => {
    expect(invalidRows('segments', SEGMENTS)).toEqual([]);
    expect(invalidRows('flags', FLAGS)).toEqual([]);
    expect(invalidRows('sessions', Object.values(SESSIONS))).toEqual([]);
    expect(invalidRows('certificates', CERTIFICATES)).toEqual([]);
  });

  it('agrees with the write: what it finds is what the write refuses, and the rest is written', async () => {
    const w = createEmbeddedWarehouse({ timeZone: TZ });
    const flags = [FLAGS[0], { ...FLAGS[1], kind: 'napping' }, FLAGS[2], { ...FLAGS[3], version: 0 }];
    const refused = await w.upsertFlags(flags as never).then(
      () => null,
      (err: unknown) => err,
    );
    expect(isWarehouseError(refused, 'invalid')).toBe(true);
    const found = invalidRows('flags', flags);
    expect(found.map((f) => f.index)).toEqual([1, 3]);
    expect((refused as Error).message).toBe(found[0]?.reason);
    await w.upsertFlags(flags.filter((_, i) => i === 0 || i === 2) as never);
    expect((await w.counts()).flags).toBe(2);
  });
});
