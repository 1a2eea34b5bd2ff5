import { randomBytes } from 'node:crypto';

export interface StartModes {
  log: 'kafka' | 'embedded';
  state: 'redis' | 'memory';
  warehouse: 'clickhouse' | 'embedded';
}

/** A tag no earlier start used: the consumer groups of a stage that rebuilds at every start end with it. */
export function startTag(): string {
  return `start-${Date.now()}-${randomBytes(3).toString('hex')}`;
}

/**
 * The consumer groups of `hourglass start`. On Kafka, a stage whose store is embedded (empty at every
 * start) reads the topics from the beginning under a group of this start's own, rather than resuming
 * after offsets that describe a store that is gone; /v1/admin/pipeline follows these groups.
 *
 * - Embedded warehouse: resuming would leave everything stored before out of the API for good.
 * - Embedded state store: the detector already rebuilds a partition from offset 0 when its store holds
 *   nothing, but under the old group it counted events only from where the log resumed, under count ids
 *   of their own: a batch produced and not committed before a crash was counted twice in acceptedEvents.
 *   Read from offset 0 under a fresh group, every count record comes again under the id the first life
 *   gave it (counts are by log position), and the warehouse keeps one copy of each.
 *
 * What the topics' retention deleted cannot come back; the README says so.
 */
export function groupsOfThisStart<G extends { detector: string; aggregator: string }>(
  groups: G,
  modes: StartModes,
  tag: string = startTag(),
): G {
  if (modes.log !== 'kafka') return groups;
  return {
    ...groups,
    ...(modes.state === 'memory' ? { detector: `${groups.detector}.${tag}` } : {}),
    ...(modes.warehouse === 'embedded' ? { aggregator: `${groups.aggregator}.${tag}` } : {}),
  };
}
