import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { LogError } from '../errors';
import { classify, isLeadershipSettling, isRebalancing, toLogError, withDeadline } from './to-log-error';

const protocol = (type: string, retriable = false) =>
  new KafkaJSProtocolError({ message: type, type, code: 1, retriable } as unknown as string);

describe('kafka error mapping', () => {
  it('maps connection failures, also wrapped in retries, to unavailable', () => {
    const conn = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:1');
    expect(classify(conn)).toBe('unavailable');
    expect(classify(new KafkaJSNumberOfRetriesExceeded(conn, { retryCount: 3, retryTime: 100 }))).toBe(
      'unavailable',
    );
    expect(classify(protocol('NOT_ENOUGH_REPLICAS', true))).toBe('unavailable');
  });

  it('recognizes unknown topics, refusals and rebalances', () => {
    expect(classify(protocol('UNKNOWN_TOPIC_OR_PARTITION', true))).toBe('unknown_topic');
    expect(classify(protocol('MESSAGE_TOO_LARGE'))).toBe('rejected');
    expect(isRebalancing(protocol('REBALANCE_IN_PROGRESS'))).toBe(true);
    expect(classify(new Error('boom'))).toBe('unexpected');
  });

  it('tells a partition whose leadership is settling (a read may be repeated) from other errors', () => {
    expect(isLeadershipSettling(protocol('NOT_LEADER_FOR_PARTITION', true))).toBe(true);
    expect(isLeadershipSettling(toLogError(protocol('LEADER_NOT_AVAILABLE', true), 'endOffsets'))).toBe(true);
    expect(isLeadershipSettling(protocol('UNKNOWN_TOPIC_OR_PARTITION', true))).toBe(false);
    expect(isLeadershipSettling(new KafkaJSConnectionError('down'))).toBe(false);
  });

  it('keeps the original as cause and passes LogErrors through', () => {
    const conn = new KafkaJSConnectionError('down');
    const mapped = toLogError(conn, 'send');
    expect(mapped.cause).toBe(conn);
    expect(mapped.message).toMatch(/^send: down/);
    const own = new LogError('closed', 'x');
    expect(toLogError(own, 'send')).toBe(own);
  });

  it('bounds a promise that never settles', async () => {
    const err = await withDeadline(new Promise(() => {}), 20, 'op').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LogError);
    expect((err as LogError).code).toBe('unavailable');
  });
});
