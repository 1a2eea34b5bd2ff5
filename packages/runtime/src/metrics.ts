import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A fresh prom-client registry with the process's default metrics. Never the global registry: tests and
 * the all-in-one process create several services, each registering into the registry it is given.
 */
export function createMetricsRegistry(options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  return registry;
}
