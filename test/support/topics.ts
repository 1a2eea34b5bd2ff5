import type { Log, LogRecord } from '@hourglass/log';

/** Reads a whole topic from the beginning up to its current end offsets. */
export async function readTopic(log: Log, topic: string, groupId: string): Promise<LogRecord[]> {
  const ends = await log.admin().endOffsets(topic);
  const total = ends.reduce((n, e) => n + Number(e.offset), 0);
  const records: LogRecord[] = [];
  if (total === 0) return records;
  const consumer = log.consumer({ groupId, maxBatchSize: 5000 });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`reading ${topic}: got ${records.length} of ${total}`)),
      60_000,
    );
    void consumer.start({
      topics: [topic],
      fromBeginning: true,
      onBatch: async (b) => {
        records.push(...b.records);
        if (records.length >= total) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.stop();
  return records;
}

/** Latest value per id, as every idempotent consumer downstream keeps it. */
export function latestById<T>(
  values: readonly T[],
  id: (v: T) => string,
  version: (v: T) => number = () => 0,
): Map<string, T> {
  const out = new Map<string, T>();
  for (const v of values) {
    const prev = out.get(id(v));
    if (prev === undefined || version(v) >= version(prev)) out.set(id(v), v);
  }
  return out;
}
