import { type LogEntry, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { recordingLogger } from '../testing/recording-logger';
import { createKafkaLogging } from './logging';

function entry(level: logLevel, namespace: string, message: string, extra: object = {}): LogEntry {
  return {
    namespace,
    level,
    label: logLevel[level],
    log: { timestamp: 'now', logger: 'kafkajs', message, ...extra },
  };
}

describe('kafkajs logging', () => {
  it('forwards kafkajs entries at their level, with component and namespace', () => {
    const { logger, lines } = recordingLogger();
    const log = createKafkaLogging({ logger, minLevel: 'info' }).logCreator(logLevel.INFO);
    log(entry(logLevel.ERROR, 'Connection', 'Connection error', { error: 'ECONNREFUSED' }));
    log(entry(logLevel.WARN, 'Runner', 'The group is rebalancing, re-joining'));
    log(entry(logLevel.DEBUG, 'Connection', 'below the level'));
    expect(lines).toEqual([
      {
        level: 'error',
        msg: 'Connection error',
        fields: { component: 'kafkajs', namespace: 'Connection', error: 'ECONNREFUSED' },
      },
      {
        level: 'warn',
        msg: 'The group is rebalancing, re-joining',
        fields: { component: 'kafkajs', namespace: 'Runner' },
      },
    ]);
  });

  it('logs a heartbeat answered "rebalancing" at info, not error: a rebalance is routine', () => {
    const { logger, lines } = recordingLogger();
    const log = createKafkaLogging({ logger, minLevel: 'info' }).logCreator(logLevel.INFO);
    const rebalancing = { error: 'The group is rebalancing, so a rejoin is needed', correlationId: 9 };
    log(entry(logLevel.ERROR, 'Connection', 'Response Heartbeat(key: 12, version: 3)', rebalancing));
    // The same error from elsewhere, or another error of the connection, keeps its level.
    log(entry(logLevel.ERROR, 'Consumer', 'Crash', rebalancing));
    log(entry(logLevel.ERROR, 'Connection', 'Response Heartbeat(key: 12, version: 3)', { error: 'other' }));
    expect(lines.map((l) => [l.level, (l.fields as { namespace: string }).namespace])).toEqual([
      ['info', 'Connection'],
      ['error', 'Consumer'],
      ['error', 'Connection'],
    ]);
  });

  it('logs the idempotent producer warning this package expects at debug', () => {
    const { logger, lines } = recordingLogger();
    const log = createKafkaLogging({ logger, minLevel: 'info' }).logCreator(logLevel.INFO);
    log(
      entry(
        logLevel.WARN,
        'Producer',
        'Limiting retries for the idempotent producer may invalidate EoS guarantees',
      ),
    );
    expect(lines.map((l) => l.level)).toEqual(['debug']);
  });
});
