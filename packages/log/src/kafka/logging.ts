import { type LogEntry, type logCreator, logLevel } from 'kafkajs';
import type { PinoLikeLogger } from '../types';

export type KafkaLogLevel = 'error' | 'warn' | 'info' | 'debug';

const LEVELS: Record<KafkaLogLevel, logLevel> = {
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

// Intentional choices of this package that kafkajs warns about on every producer.
const EXPECTED = new Set(['Limiting retries for the idempotent producer may invalidate EoS guarantees']);

// kafkajs' text for REBALANCE_IN_PROGRESS. Its connection logs every such response at ERROR, though a
// rebalance is routine (a member joined, left or was restarted) and its runner logs the rejoin at WARN
// right after: at ERROR, each deploy of a detector would page someone.
const REBALANCING = 'The group is rebalancing, so a rejoin is needed';

export interface KafkaLogging {
  /** Level handed to kafkajs: entries below it are never even built. */
  level: logLevel;
  logCreator: logCreator;
}

/**
 * Routes kafkajs' own logging to the injected logger (kafkajs prints JSON to the console otherwise) and lets
 * the consumer observe entries kafkajs exposes nowhere else (`tap`, which forces kafkajs to DEBUG).
 */
export function createKafkaLogging(opts: {
  logger: PinoLikeLogger | undefined;
  minLevel: KafkaLogLevel;
  tap?: (entry: LogEntry) => void;
}): KafkaLogging {
  const forwardUpTo = opts.logger ? LEVELS[opts.minLevel] : logLevel.NOTHING;
  const level = opts.tap ? logLevel.DEBUG : forwardUpTo;
  const logCreator: logCreator = () => (entry) => {
    opts.tap?.(entry);
    const logger = opts.logger;
    if (!logger || entry.level > forwardUpTo || entry.level === logLevel.NOTHING) return;
    const { message, timestamp: _timestamp, logger: _source, ...extra } = entry.log;
    const fields = { component: 'kafkajs', namespace: entry.namespace, ...extra };
    if (EXPECTED.has(message)) return logger.debug(fields, message);
    if (entry.level === logLevel.ERROR && entry.namespace === 'Connection' && extra.error === REBALANCING) {
      return logger.info(fields, message);
    }
    switch (entry.level) {
      case logLevel.ERROR:
        return logger.error(fields, message);
      case logLevel.WARN:
        return logger.warn(fields, message);
      case logLevel.INFO:
        return logger.info(fields, message);
      default:
        return logger.debug(fields, message);
    }
  };
  return { level, logCreator };
}
