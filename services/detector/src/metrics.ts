import { Counter, Histogram, type Registry } from 'prom-client';

export function createDetectorMetrics(registry: Registry) {
  return {
    events: new Counter({
      name: 'hourglass_detector_events_total',
      help: 'Events consumed by the detector, by event type and outcome of the rules (malformed: skipped)',
      labelNames: ['type', 'outcome'] as const,
      registers: [registry],
    }),
    flags: new Counter({
      name: 'hourglass_detector_flag_updates_total',
      help: 'Flag updates emitted, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    segments: new Counter({
      name: 'hourglass_detector_segments_total',
      help: 'Segments emitted, by status',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'hourglass_detector_batch_size',
      help: 'Records per consumed batch',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'hourglass_detector_batch_seconds',
      help: 'Time to process one batch: load state, rules, atomic write, produce',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    // A learner keeps at most 100 sessions (README, "Session cap"), but flags and their evidence still
    // make some states larger than others; an outlier shows here before it slows its partition.
    largestState: new Histogram({
      name: 'hourglass_detector_largest_state_bytes',
      help: 'Size of the largest learner state each batch wrote, in bytes',
      buckets: [1024, 4096, 16_384, 65_536, 262_144, 1_048_576],
      registers: [registry],
    }),
    stateRoundTrips: new Counter({
      name: 'hourglass_detector_state_round_trips_total',
      help: 'Round trips to the state store',
      registers: [registry],
    }),
    rebuilds: new Counter({
      name: 'hourglass_detector_state_rebuilds_total',
      help: 'Partitions rewound because the state store was behind the log (state lost)',
      registers: [registry],
    }),
    fenced: new Counter({
      name: 'hourglass_detector_fenced_total',
      help: 'Batches refused because another process claimed the partition',
      registers: [registry],
    }),
    stateLost: new Counter({
      name: 'hourglass_detector_state_lost_total',
      help: 'Batch commits refused because the state store lost what this process wrote (keys gone or watermark gone back); the partition is claimed again and rebuilt from the log',
      registers: [registry],
    }),
    overCap: new Counter({
      name: 'hourglass_detector_session_cap_learners_total',
      help: 'Learners over the session cap in a batch: their least recently touched sessions were dropped (counted once per batch)',
      registers: [registry],
    }),
    deviceConflicts: new Counter({
      name: 'hourglass_detector_device_conflicts_total',
      help: "Batch commits refused because another partition wrote one of the batch's device windows since it was read; the batch ran again on fresh windows",
      registers: [registry],
    }),
  };
}
export type DetectorMetrics = ReturnType<typeof createDetectorMetrics>;
