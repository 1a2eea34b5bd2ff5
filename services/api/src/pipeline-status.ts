import { consumerGroups, type topicNames } from '@hourglass/events';
import type { Log, LogAdmin } from '@hourglass/log';
import type { Warehouse } from '@hourglass/warehouse';
import type { PipelineStatus } from './api';
import { unavailable } from './errors';

export interface PipelineStage {
  name: string;
  groupId: string;
  topics: string[];
}

/**
 * The stages between an accepted event and the query API, in pipeline order: the detector reads
 * the events, the aggregator reads what the detector, ingest (rejected events) and this API
 * (decisions) produce. Group ids are those of the services' main.ts.
 */
export function pipelineStages(
  prefix: string,
  topics: ReturnType<typeof topicNames>,
  /** The groups the stages run under; default the prefix's (`consumerGroups`). */
  groups: { detector: string; aggregator: string } = consumerGroups(prefix),
): PipelineStage[] {
  return [
    { name: 'detector', groupId: groups.detector, topics: [topics.events] },
    {
      name: 'aggregator',
      groupId: groups.aggregator,
      topics: [
        topics.segments,
        topics.flags,
        topics.sessions,
        topics.certificates,
        topics.counts,
        topics.rejected,
        topics.decisions,
      ],
    },
  ];
}

/**
 * Pipeline status from the log alone, for the standalone API process: a stage's lag is the records
 * of its topics not yet committed by its consumer group. Consumers commit only after their effects
 * (the detector after producing its outputs, the aggregator after its warehouse insert), and the
 * stages are read in pipeline order, so when every lag read is 0, every event accepted before the
 * first read is reflected in the warehouse.
 */
export function createLogPipelineStatus(opts: { admin: LogAdmin; stages: PipelineStage[] }) {
  return async (): Promise<PipelineStatus> => {
    const stages = [];
    for (const stage of opts.stages) {
      const topicLags = [];
      let lag = 0n;
      for (const topic of stage.topics) {
        const [ends, committed, starts] = await Promise.all([
          opts.admin.endOffsets(topic),
          opts.admin.committedOffsets(stage.groupId, topic),
          opts.admin.startOffsets(topic),
        ]);
        const at = new Map(committed.map((c) => [c.partition, c.offset]));
        const first = new Map(starts.map((s) => [s.partition, s.offset]));
        let topicLag = 0n;
        for (const end of ends) {
          // A group that never committed on a partition has its records from the log start on to read: those
          // retention deleted are gone (a consumer starts past them, and one that finds none never commits).
          const c = at.get(end.partition) ?? first.get(end.partition) ?? '0';
          const behind = BigInt(end.offset) - BigInt(c);
          if (behind > 0n) topicLag += behind;
        }
        lag += topicLag;
        topicLags.push({ topic, lag: Number(topicLag) });
      }
      stages.push({
        name: stage.name,
        groupId: stage.groupId,
        caughtUp: lag === 0n,
        lag: Number(lag),
        topics: topicLags,
      });
    }
    return { caughtUp: stages.every((s) => s.caughtUp), stages };
  };
}

/**
 * The standalone API's pipeline status: from the log, unless the log is the embedded one in front of a
 * warehouse this process does not fill. That log is this process's own, always empty: its lag says
 * nothing about the services writing the warehouse, and "0" would read as caught up (503, not a guess).
 */
export function createStandalonePipelineStatus(opts: {
  log: Pick<Log, 'kind' | 'admin'>;
  warehouse: Pick<Warehouse, 'kind'>;
  stages: PipelineStage[];
}): () => Promise<PipelineStatus> {
  if (opts.log.kind === 'embedded' && opts.warehouse.kind !== 'embedded') {
    return async () => {
      throw unavailable("the pipeline status needs KAFKA_BROKERS: the embedded log is this process's own");
    };
  }
  return createLogPipelineStatus({ admin: opts.log.admin(), stages: opts.stages });
}
