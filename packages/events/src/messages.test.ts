import { describe, expect, it } from 'vitest';
import { consumerGroups, topicNames } from './messages';

describe('pipeline names', () => {
  it('prefix every topic and consumer group with KAFKA_TOPIC_PREFIX', () => {
    expect(topicNames('hourglass.').events).toBe('hourglass.events.v1');
    expect(topicNames('t.').rejected).toBe('t.events.rejected.v1');
    expect(consumerGroups('hourglass.')).toEqual({
      detector: 'hourglass.detector',
      aggregator: 'hourglass.aggregator',
    });
  });
});
