import { createHttpServer } from '@hourglass/runtime';
import type { FastifyInstance } from 'fastify';
import { createIngest, type Ingest, type IngestOptions } from './ingest';

export interface IngestServer {
  ingest: Ingest;
  /** Not listening yet: the caller listens (main.ts) or injects requests (tests). */
  app: FastifyInstance;
}

/**
 * The ingest routes on the runtime's HTTP server, with /readyz answering whether the producer is
 * connected. One wiring for the process (main.ts) and for the tests that drive a real ingest.
 */
export function createIngestServer(options: IngestOptions): IngestServer {
  const ingest = createIngest(options);
  const app = createHttpServer({
    logger: options.logger,
    registry: options.registry,
    bodyLimit: options.config.ingest.maxBodyBytes,
    readiness: async () => {
      const connected = await ingest.ready();
      return { ready: connected, checks: { log: connected } };
    },
  });
  ingest.register(app);
  return { ingest, app };
}
