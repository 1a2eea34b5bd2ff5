import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface IngestMetrics {
  events: Counter<'platform' | 'type' | 'outcome'>;
  rejections: Counter<'platform' | 'code'>;
  requests: Histogram<'route' | 'status'>;
  produce: Histogram<'outcome'>;
}

/** `bodyBytesHeld`: what the body budget holds now (body-budget.ts), read at each scrape. */
export function createIngestMetrics({
  registry,
  bodyBytesHeld,
}: {
  registry: Registry;
  bodyBytesHeld: () => number;
}): IngestMetrics {
  new Gauge({
    name: 'hourglass_ingest_body_bytes_in_flight',
    help: 'Bytes of request bodies being received and processed (Content-Length, or the body limit when none), against ingest.maxInFlightBodyBytes',
    registers: [registry],
    collect() {
      this.set(bodyBytesHeld());
    },
  });
  return {
    events: new Counter({
      name: 'hourglass_ingest_events_total',
      help: 'Submitted events by platform, type and outcome (accepted, rejected, or unavailable: the log failed and nothing was accepted)',
      labelNames: ['platform', 'type', 'outcome'],
      registers: [registry],
    }),
    rejections: new Counter({
      name: 'hourglass_ingest_rejections_total',
      help: 'Rejected events by platform and reason code (an event with several codes counts once per code)',
      labelNames: ['platform', 'code'],
      registers: [registry],
    }),
    requests: new Histogram({
      name: 'hourglass_ingest_request_duration_seconds',
      help: 'Ingest request latency by route and status',
      labelNames: ['route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    produce: new Histogram({
      name: 'hourglass_ingest_produce_duration_seconds',
      help: 'Time to durably write one request’s records to the log (acks=all), by outcome',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
