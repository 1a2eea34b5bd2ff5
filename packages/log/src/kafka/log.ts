import { Kafka, type LogEntry } from 'kafkajs';
import { LogError } from '../errors';
import type { Log, LogConsumer, LogProducer, PinoLikeLogger } from '../types';
import { resolveConsumerOptions } from '../validate';
import { createKafkaAdmin } from './admin';
import { createKafkaConsumer } from './consumer';
import { createLane } from './lane';
import { createKafkaLogging, type KafkaLogLevel } from './logging';
import { createKafkaProducer } from './producer';

export interface KafkaLogOptions {
  brokers: string[];
  clientId: string;
  logger?: PinoLikeLogger;
  /** TCP connect timeout per attempt. Default 3000. */
  connectionTimeoutMs?: number;
  /** Client-side timeout of one request; also the broker-side ack wait of a produce. Default 5000. */
  requestTimeoutMs?: number;
  /** Hard upper bound of producer connect() and send(), from the call to the rejection. Default 10 000. */
  sendTimeoutMs?: number;
  /** Upper bound of each admin operation. Default 30 000. */
  adminTimeoutMs?: number;
  /** Key+value bytes per coalesced produce request; must stay under the broker's message.max.bytes. Default 900 000. */
  maxBatchBytes?: number;
  /** Records per coalesced produce request. Default 2000 (kafkajs groups records in O(n²) per partition). */
  maxBatchRecords?: number;
  /**
   * kafkajs producers per LogProducer, each owning the partitions p with p % lanes === lane, so one lane's
   * round trip overlaps another's encoding. Default 2 (more only pays off with slow, remote brokers).
   */
  producerLanes?: number;
  /** Lowest kafkajs log level forwarded to `logger`. Default 'info'. */
  kafkaLogLevel?: KafkaLogLevel;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new LogError('invalid_argument', `${name} must be > 0, got ${value}`);
  return value;
}

export function createKafkaLog(opts: KafkaLogOptions): Log {
  if (
    !Array.isArray(opts.brokers) ||
    opts.brokers.length === 0 ||
    opts.brokers.some((b) => !/^[^:\s]+:\d+$/.test(b))
  ) {
    throw new LogError(
      'invalid_argument',
      `brokers must be a non-empty list of host:port, got ${String(opts.brokers)}`,
    );
  }
  if (typeof opts.clientId !== 'string' || opts.clientId.length === 0) {
    throw new LogError('invalid_argument', 'clientId must be a non-empty string');
  }
  const connectionTimeout = positive('connectionTimeoutMs', opts.connectionTimeoutMs, 3000);
  const requestTimeout = positive('requestTimeoutMs', opts.requestTimeoutMs, 5000);
  const sendTimeoutMs = positive('sendTimeoutMs', opts.sendTimeoutMs, 10_000);
  const adminTimeoutMs = positive('adminTimeoutMs', opts.adminTimeoutMs, 30_000);
  const maxBatchBytes = positive('maxBatchBytes', opts.maxBatchBytes, 900_000);
  const maxBatchRecords = positive('maxBatchRecords', opts.maxBatchRecords, 2000);
  const producerLanes = positive('producerLanes', opts.producerLanes, 2);
  const { logger } = opts;
  const minLevel = opts.kafkaLogLevel ?? 'info';

  function makeKafka(clientId: string, tap?: (entry: LogEntry) => void): Kafka {
    const logging = createKafkaLogging({ logger, minLevel, tap });
    return new Kafka({
      clientId,
      brokers: opts.brokers,
      connectionTimeout,
      requestTimeout,
      // Few, short retries: a dead broker must fail a send within sendTimeoutMs instead of retrying for minutes.
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2000 },
      logLevel: logging.level,
      logCreator: logging.logCreator,
    });
  }

  const shared = makeKafka(opts.clientId);
  const admin = createKafkaAdmin({ kafka: shared, logger, timeoutMs: adminTimeoutMs });
  const producers = new Set<LogProducer>();
  const consumers = new Set<LogConsumer>();
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new LogError('closed', 'log is closed');
  }

  return {
    kind: 'kafka',
    producer(producerOpts) {
      assertOpen();
      const clientId = producerOpts?.clientId ?? opts.clientId;
      const producer = createKafkaProducer({
        lanes: Math.floor(producerLanes),
        sendTimeoutMs,
        metadataMaxAgeMs: 300_000,
        partitionCounts: (topics) => admin.partitionCounts(topics),
        makeLane: (lane, onFailure) =>
          createLane({
            brokers: opts.brokers,
            clientId,
            logger,
            connectTimeoutMs: connectionTimeout,
            lane,
            sendTimeoutMs,
            ackTimeoutMs: requestTimeout,
            maxBatchBytes,
            maxBatchRecords,
            retries: 3,
            onFailure,
          }),
      });
      producers.add(producer);
      return producer;
    },
    consumer(consumerOpts) {
      assertOpen();
      const options = resolveConsumerOptions(consumerOpts);
      const consumer = createKafkaConsumer({
        options,
        logger,
        makeKafka: (tap) => makeKafka(consumerOpts.clientId ?? opts.clientId, tap),
      });
      consumers.add(consumer);
      return consumer;
    },
    admin() {
      assertOpen();
      return admin;
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...consumers].map((c) => c.stop()));
      await Promise.allSettled([...producers].map((p) => p.disconnect()));
      await admin.disconnect();
    },
  };
}
