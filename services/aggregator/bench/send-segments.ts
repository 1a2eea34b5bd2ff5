import type { Segment } from '@hourglass/events';
import type { LogProducer } from '@hourglass/log';

/** Produces segments to `topic` as the detector does (key: learner, value: JSON), 5000 per send. */
export async function sendSegments(
  producer: LogProducer,
  topic: string,
  rows: readonly Segment[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += 5000) {
    await producer.send(
      rows.slice(i, i + 5000).map((s) => ({ topic, key: s.learnerId, value: JSON.stringify(s) })),
    );
  }
}
