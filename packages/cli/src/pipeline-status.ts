import type { LogAdmin } from '@hourglass/log';

export interface StageSpec {
  name: string;
  groupId: string;
  topics: string[];
}

export interface StageStatus {
  name: string;
  groupId: string;
  lag: number;
  topics: { topic: string; end: number; committed: number; lag: number }[];
}

/**
 * Everything accepted is reflected in the query API when every stage has committed up to the end
 * of its input topics. Stages are read in pipeline order: a stage commits only after producing its
 * outputs, so a caught-up upstream stage's outputs are already in the downstream end offsets.
 */
export function createPipelineStatus(opts: { admin: LogAdmin; stages: StageSpec[] }) {
  return async (): Promise<{ caughtUp: boolean; stages: StageStatus[] }> => {
    const stages: StageStatus[] = [];
    for (const stage of opts.stages) {
      const topics: StageStatus['topics'] = [];
      for (const topic of stage.topics) {
        const [ends, committed] = await Promise.all([
          opts.admin.endOffsets(topic),
          opts.admin.committedOffsets(stage.groupId, topic),
        ]);
        const committedBy = new Map(
          committed.map((c) => [c.partition, c.offset === null ? 0 : Number(c.offset)]),
        );
        let end = 0;
        let done = 0;
        let lag = 0;
        for (const e of ends) {
          const at = committedBy.get(e.partition) ?? 0;
          end += Number(e.offset);
          done += at;
          lag += Math.max(0, Number(e.offset) - at);
        }
        topics.push({ topic, end, committed: done, lag });
      }
      stages.push({
        name: stage.name,
        groupId: stage.groupId,
        lag: topics.reduce((n, t) => n + t.lag, 0),
        topics,
      });
    }
    return { caughtUp: stages.every((s) => s.lag === 0), stages };
  };
}
