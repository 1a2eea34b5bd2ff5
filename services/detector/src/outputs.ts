import type { EventCountRecord, TopicName } from '@hourglass/events';
import type { OutgoingRecord } from '@hourglass/log';
import type { StepOutput } from '@hourglass/rules';
import { segmentJson } from './segment-json';

export type OutputTopics = Pick<
  Record<TopicName, string>,
  'segments' | 'flags' | 'sessions' | 'certificates' | 'counts'
>;

/**
 * The records one batch produces. Keys keep each consumer's ordering needs: a learner's segments
 * and certificates together, a flag's versions together, a session's versions together.
 */
export function toRecords(
  outputs: readonly StepOutput[],
  counts: readonly EventCountRecord[],
  topics: OutputTopics,
): OutgoingRecord[] {
  const records: OutgoingRecord[] = [];
  for (const out of outputs) {
    for (const s of out.segments)
      records.push({ topic: topics.segments, key: s.learnerId, value: segmentJson(s) });
    for (const f of out.flags) records.push({ topic: topics.flags, key: f.flagId, value: JSON.stringify(f) });
    for (const s of out.sessions) {
      records.push({
        topic: topics.sessions,
        key: `${s.platformId}/${s.sessionId}`,
        value: JSON.stringify(s),
      });
    }
    for (const c of out.certificates) {
      records.push({ topic: topics.certificates, key: c.learnerId, value: JSON.stringify(c) });
    }
  }
  for (const c of counts) records.push({ topic: topics.counts, key: c.platformId, value: JSON.stringify(c) });
  return records;
}
