import { describe, expect, it } from 'vitest';
import { indexTraffic, shardOf } from '../../bench/engine-measure';
import { benchTraffic } from '../../bench/traffic';

describe('bench:engine --processes: each process gets its share of the learners', () => {
  const traffic = indexTraffic(benchTraffic(7, 3));

  it('gives every learner to exactly one of the shards, with all of its events in their order', () => {
    const shards = [0, 1, 2].map((s) => shardOf(traffic, s, 3));
    expect(shards.map((s) => s.learnerIds)).toEqual([
      ['bench-L0', 'bench-L3', 'bench-L6'],
      ['bench-L1', 'bench-L4'],
      ['bench-L2', 'bench-L5'],
    ]);
    expect(shards.reduce((n, s) => n + s.events.length, 0)).toBe(traffic.events.length);
    for (const shard of shards) {
      for (const learnerId of shard.learnerIds) {
        const ids = (t: typeof traffic) => t.events.filter((e) => e.learnerId === learnerId).map((e) => e.id);
        expect(ids(shard)).toEqual(ids(traffic));
      }
    }
  });

  it("indexes each event by its learner's place in the shard", () => {
    const shard = shardOf(traffic, 1, 3);
    shard.events.forEach((e, i) => {
      expect(shard.learnerIds[shard.index[i]!]).toBe(e.learnerId);
    });
  });

  it('is the whole traffic for one shard of one', () => {
    const one = shardOf(traffic, 0, 1);
    expect(one.events).toEqual(traffic.events);
    expect([...one.index]).toEqual([...traffic.index]);
    expect(one.learnerIds).toEqual(traffic.learnerIds);
  });
});
