import type { HourglassEvent } from '@hourglass/events';

/** One generated event with the instant it happened and the instant the platform would deliver it. */
export interface Emitted {
  event: HourglassEvent;
  timeMs: number;
  receivedAtMs: number;
  /** Emission order: breaks ties so sorting is deterministic. */
  order: number;
}

/** Collects generated events. Scenarios that deliver late re-stamp what they emitted since a mark. */
export interface Timeline {
  readonly records: Emitted[];
  push(event: HourglassEvent, timeMs: number, receivedAtMs: number): void;
  mark(): number;
  since(mark: number): Emitted[];
}

export function createTimeline(): Timeline {
  const records: Emitted[] = [];
  return {
    records,
    push(event, timeMs, receivedAtMs) {
      records.push({ event, timeMs, receivedAtMs, order: records.length });
    },
    mark: () => records.length,
    since: (mark) => records.slice(mark),
  };
}

/**
 * Delivery order: receivedAt, then time, then emission. Rules run per learner in processing order and
 * replay submits in receivedAt order (SPEC §4), so this is also the order events are sent in.
 */
export function byDelivery(a: Emitted, b: Emitted): number {
  return a.receivedAtMs - b.receivedAtMs || a.timeMs - b.timeMs || a.order - b.order;
}
