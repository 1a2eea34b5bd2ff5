import { describe, expect, it } from 'vitest';
import { groupsOfThisStart, type StartModes, startTag } from './start-groups';

const base = { detector: 'hourglass.detector', aggregator: 'hourglass.aggregator' };

describe('the consumer groups of hourglass start', () => {
  const cases: [string, StartModes, { detector: string; aggregator: string }][] = [
    [
      'the embedded log: the groups of the prefix',
      { log: 'embedded', state: 'memory', warehouse: 'embedded' },
      base,
    ],
    [
      'Kafka, Redis and ClickHouse: the groups of the prefix',
      { log: 'kafka', state: 'redis', warehouse: 'clickhouse' },
      base,
    ],
    [
      'Kafka with the embedded state store: a detector group of this start',
      { log: 'kafka', state: 'memory', warehouse: 'clickhouse' },
      { detector: 'hourglass.detector.start-7', aggregator: 'hourglass.aggregator' },
    ],
    [
      'Kafka with the embedded warehouse: an aggregator group of this start',
      { log: 'kafka', state: 'redis', warehouse: 'embedded' },
      { detector: 'hourglass.detector', aggregator: 'hourglass.aggregator.start-7' },
    ],
    [
      'Kafka alone: both groups of this start',
      { log: 'kafka', state: 'memory', warehouse: 'embedded' },
      { detector: 'hourglass.detector.start-7', aggregator: 'hourglass.aggregator.start-7' },
    ],
  ];
  it.each(cases)('%s', (_, modes, expected) => {
    expect(groupsOfThisStart(base, modes, 'start-7')).toEqual(expected);
  });

  it('two starts get two tags', () => {
    expect(startTag()).toMatch(/^start-[0-9]+-[0-9a-f]{6}$/);
    expect(startTag()).not.toBe(startTag());
  });
});
