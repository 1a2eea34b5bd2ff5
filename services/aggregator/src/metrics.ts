import { Counter, Histogram, type Registry } from 'prom-client';

export function createAggregatorMetrics(registry: Registry) {
  return {
    rows: new Counter({
      name: 'hourglass_aggregator_rows_total',
      help: 'Rows written to the warehouse, by table',
      labelNames: ['table'] as const,
      registers: [registry],
    }),
    malformed: new Counter({
      name: 'hourglass_aggregator_malformed_records_total',
      help: 'Records that are not valid pipeline messages (skipped and logged)',
      registers: [registry],
    }),
    invalidRows: new Counter({
      name: 'hourglass_aggregator_invalid_rows_total',
      help: 'Rows the warehouse refused as invalid (skipped and logged; the rest of their write went in), by table',
      labelNames: ['table'] as const,
      registers: [registry],
    }),
    insertSeconds: new Histogram({
      name: 'hourglass_aggregator_insert_seconds',
      help: 'Time to write one group of consumed batches (one insert per table) to the warehouse',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    failures: new Counter({
      name: 'hourglass_aggregator_write_failures_total',
      help: 'Warehouse writes that failed and will be retried (consumption pauses meanwhile)',
      registers: [registry],
    }),
  };
}
