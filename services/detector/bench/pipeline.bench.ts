/**
 * pnpm bench:detector-pipeline — the detector's own CPU per event, without Kafka or Redis: the work
 * `processOne` does for a batch between the fetch and the round trips, stage by stage, on the same
 * traffic as `pnpm bench:detector`. The end-to-end bench swings ±15 % with the servers sharing the
 * 2 cores; this one does not, so a change to the hot path can be measured here first.
 *
 *   pnpm bench:detector-pipeline [learners] [beats] [--rounds N] [--batch N]
 *
 * Records are the JSON strings ingest writes, split into 4 partitions by Kafka's key hash and read in
 * batches of 2,000 (the end-to-end bench's maxBatchSize; `--batch`), a batch of each partition in turn. States
 * live in a Map as the serialized strings Redis would hold. Each round starts from empty state; the
 * first round warms the JIT and is not counted. Left out (they are measured by the end-to-end bench):
 * kafkajs' fetch and decode, the Redis client and server, the producer's encoding and the broker.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type AcceptedEvent, createDayOf, topicNames } from '@hourglass/events';
import { partitionFor } from '@hourglass/log';
import { createPolicyFor } from '@hourglass/rules';
import { countArg, machineDescription, resultsFile } from '../../../bench/machine';
import { benchTraffic } from '../../../bench/traffic';
import type { OpenStretch } from '../src/count-stretches';
import { encodeOutboxBytes } from '../src/outbox';
import { toRecords } from '../src/outputs';
import { parseRecord } from '../src/parse-record';
import { processBatch } from '../src/process-batch';

const args = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '5' }, batch: { type: 'string', default: '2000' } },
});
const learners = countArg(args.positionals[0], 20_000, 'learners');
const beats = countArg(args.positionals[1], 24, 'beats');
const ROUNDS = countArg(args.values.rounds, 5, '--rounds');
const PARTITIONS = 4;
const BATCH = countArg(args.values.batch, 2000, '--batch');

const STAGES = ['parse', 'rules', 'records', 'outbox'] as const;
type Stage = (typeof STAGES)[number];

/** Batches as a consumer would see them: per partition in offset order, partitions taking turns. */
function batchesOf(events: readonly AcceptedEvent[]): string[][] {
  const partitions: string[][] = Array.from({ length: PARTITIONS }, () => []);
  for (const e of events) partitions[partitionFor(e.learnerId, PARTITIONS)]?.push(JSON.stringify(e));
  const batches: string[][] = [];
  for (let from = 0; partitions.some((p) => p.length > from); from += BATCH) {
    for (const p of partitions) if (p.length > from) batches.push(p.slice(from, from + BATCH));
  }
  return batches;
}

function round(batches: readonly string[][]): Record<Stage | 'total', number> {
  const policyFor = createPolicyFor();
  const dayOf = createDayOf('Asia/Shanghai');
  const topics = topicNames('bench.');
  const store = new Map<string, string>();
  const micros: Record<Stage, number> = { parse: 0, rules: 0, records: 0, outbox: 0 };
  const cpu0 = process.cpuUsage();
  // One stretch counter over all batches: the bench measures the work, not the partitioning.
  let offset = 0n;
  let open: OpenStretch | null = null;
  for (const values of batches) {
    let t = performance.now();
    const events: AcceptedEvent[] = [];
    const offsets: bigint[] = [];
    for (const v of values) {
      const parsed = parseRecord(v);
      if (!parsed.ok) throw new Error(`bench record refused: ${parsed.reason}`);
      events.push(parsed.event);
      offsets.push(offset++);
    }
    const learnerIds = [...new Set(events.map((e) => e.learnerId))];
    const stored = new Map<string, string>();
    for (const id of learnerIds) {
      const s = store.get(id);
      if (s !== undefined) stored.set(id, s);
    }
    micros.parse += (performance.now() - t) * 1000;
    t = performance.now();
    const result = processBatch(
      { events, offsets, open, learners: stored, devices: new Map() },
      { policyFor, dayOf, partition: 'events/0' },
    );
    open = result.open;
    micros.rules += (performance.now() - t) * 1000;
    t = performance.now();
    const records = toRecords(result.outputs, result.counts, topics);
    micros.records += (performance.now() - t) * 1000;
    t = performance.now();
    encodeOutboxBytes(records);
    micros.outbox += (performance.now() - t) * 1000;
    for (const [id, s] of result.learners) store.set(id, s);
  }
  const cpu = process.cpuUsage(cpu0);
  return { ...micros, total: cpu.user + cpu.system };
}

function main(): void {
  const events = benchTraffic(learners, beats);
  const batches = batchesOf(events);
  console.log(`${events.length} events for ${learners} learners in ${batches.length} batches`);
  const rounds: Record<Stage | 'total', number>[] = [];
  for (let r = 0; r <= ROUNDS; r++) {
    const m = round(batches);
    const per = (x: number) => Math.round((x / events.length) * 100) / 100;
    console.log(
      `round ${r}${r === 0 ? ' (warm-up, not counted)' : ''}: ${per(m.total)} µs of CPU per event (${STAGES.map((s) => `${s} ${per(m[s])}`).join(', ')})`,
    );
    if (r > 0) rounds.push(m);
  }
  const median = (key: Stage | 'total') => {
    const sorted = rounds.map((m) => m[key] / events.length).sort((a, b) => a - b);
    return Math.round((sorted[Math.floor((sorted.length - 1) / 2)] as number) * 100) / 100;
  };
  const result = {
    benchmark: 'detector-pipeline',
    machine: machineDescription(),
    events: events.length,
    learners,
    batches: batches.length,
    rounds: ROUNDS,
    batchSize: BATCH,
    cpuMicrosPerEvent: median('total'),
    eventsPerCpuSecond: Math.round(1e6 / median('total')),
    wallMicrosPerEventByStage: Object.fromEntries(STAGES.map((s) => [s, median(s)])),
    note: "medians over the rounds; the detector's per-batch work without Kafka or Redis (parse and validate the records, run the rules with state decode and encode, build the output records, encode the outbox). Stages are wall time inside one process with nothing else running, so close to CPU time.",
  };
  console.log(JSON.stringify(result, null, 2));
  writeFileSync(resultsFile('detector-pipeline.json'), `${JSON.stringify(result, null, 2)}\n`);
}

main();
