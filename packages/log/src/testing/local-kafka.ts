import { describe, it } from 'vitest';

/**
 * Registers a test file's suites on the local Kafka: `body` gets the brokers of KAFKA_BROKERS. Without
 * it the file is one failing test that says how to start the servers: integration tests fail, never
 * skip. Only tests read the environment; the package takes the brokers as an option.
 */
export function onLocalKafka(name: string, body: (brokers: string[]) => void): void {
  const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];
  if (brokers.length === 0) {
    describe(name, () => {
      it('needs a Kafka broker', () => {
        throw new Error('KAFKA_BROKERS is not set; start the services: bash deploy/local/services.sh up');
      });
    });
    return;
  }
  body(brokers);
}
