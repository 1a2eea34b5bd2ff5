import { ConfigError } from '@hourglass/runtime';
import { describe, expect, it } from 'vitest';
import { refuseMemoryStateOnKafka } from './standalone-env';

describe('hourglass detector: the environment it runs in', () => {
  it.each([
    ['Kafka and Redis', { kafkaBrokers: ['127.0.0.1:9092'], redisUrl: 'redis://127.0.0.1:6379' }],
    ['neither (the embedded log and state, one process)', {}],
    ['Redis without Kafka', { redisUrl: 'redis://127.0.0.1:6379' }],
  ])('runs with %s', (_, env) => {
    expect(() => refuseMemoryStateOnKafka(env)).not.toThrow();
  });

  it('refuses KAFKA_BROKERS without REDIS_URL, naming both', () => {
    let thrown: unknown;
    try {
      refuseMemoryStateOnKafka({ kafkaBrokers: ['127.0.0.1:9092'] });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).code).toBe('env_invalid');
    expect((thrown as ConfigError).problems).toEqual([
      expect.stringMatching(/^KAFKA_BROKERS is set but REDIS_URL is not: .*hourglass start/),
    ]);
  });
});
