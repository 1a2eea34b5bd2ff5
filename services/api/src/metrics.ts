import { Counter, Histogram, type Registry } from 'prom-client';

/** Request counts and latencies per route come from here; the server's access log has the rest. */
export function createApiMetrics(registry: Registry) {
  return {
    requests: new Histogram({
      name: 'hourglass_api_request_seconds',
      help: 'Query API request duration, by route and status',
      labelNames: ['route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    decisions: new Counter({
      name: 'hourglass_api_decisions_total',
      help: 'Review decisions recorded, by decision',
      labelNames: ['decision'] as const,
      registers: [registry],
    }),
    decisionFailures: new Counter({
      name: 'hourglass_api_decision_failures_total',
      help: 'Decisions not recorded because the decisions log was unavailable',
      registers: [registry],
    }),
  };
}
export type ApiMetrics = ReturnType<typeof createApiMetrics>;
