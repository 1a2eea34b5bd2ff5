import type { BatchSummary } from './batch-summary';
import type { DetectorLogger } from './detector';
import type { DetectorMetrics } from './metrics';

const DEFAULT_LARGE_STATE_BYTES = 256 * 1024;

/**
 * What a committed batch tells operators: metrics by type, outcome, kind and status, and log lines for
 * skipped events, large states and learners over the session cap. Only after the commit: a batch that
 * fails is delivered again, and counting it on each attempt would count it more than once.
 */
export function createBatchReporter({
  metrics,
  logger,
  largeStateBytes = DEFAULT_LARGE_STATE_BYTES,
}: {
  metrics: DetectorMetrics;
  logger: DetectorLogger;
  largeStateBytes?: number | undefined;
}) {
  return function report(summary: BatchSummary, malformed: ReadonlyMap<string, number>, key: string): void {
    for (const [type, n] of malformed) metrics.events.inc({ type, outcome: 'malformed' }, n);
    for (const [type, outcomes] of summary.byType) {
      for (const [outcome, n] of Object.entries(outcomes))
        if (n > 0) metrics.events.inc({ type, outcome }, n);
    }
    for (const m of summary.malformed) {
      logger.error(
        { partition: key, eventId: m.id, learnerId: m.learnerId, reason: m.reason },
        'event skipped',
      );
    }
    for (const [kind, n] of summary.flagKinds) metrics.flags.inc({ kind }, n);
    for (const [status, n] of summary.segmentStatuses) metrics.segments.inc({ status }, n);
    const { largest } = summary;
    if (largest.bytes > 0) metrics.largestState.observe(largest.bytes);
    if (largest.bytes > largeStateBytes) {
      logger.warn(
        { partition: key, learnerId: largest.learnerId, stateBytes: largest.bytes },
        'large learner state: each of its events decodes and encodes all of it',
      );
    }
    if (summary.overCap.length > 0) {
      metrics.overCap.inc(summary.overCap.length);
      // One line per batch, a few ids: a platform minting session ids for many learners must not flood
      // the log, and the metric counts them all.
      logger.warn(
        { partition: key, learners: summary.overCap.length, learnerIds: summary.overCap.slice(0, 10) },
        'learners over the session cap: their least recently touched sessions were dropped',
      );
    }
  };
}
