import { describe, expect, it } from 'vitest';
import { consumerGroups, stateKeyPrefix, topicNames } from './messages';

describe('pipeline names', () => {
  it('prefix every topic, consumer group and state key with KAFKA_TOPIC_PREFIX', () => {
    expect(stateKeyPrefix('hourglass.')).toBe('hg:hourglass.');
    expect(topicNames('hourglass.').events).toBe('hourglass.events.v1');
    expect(topicNames('t.').rejected).toBe('t.events.rejected.v1');
    expect(consumerGroups('hourglass.')).toEqual({
      detector: 'hourglass.detector',
      aggregator: 'hourglass.aggregator',
    });
  });
});
