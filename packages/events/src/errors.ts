/**
 * Error codes of the events package's own failures; callers switch on `code`, never on messages. An
 * event that breaks the contract is not an exception: validation returns per-event issues as values.
 * - `invalid_day`: a caller passed something that is not a calendar day `YYYY-MM-DD` (a caller bug).
 */
export type EventsErrorCode = 'invalid_day';

/** A RangeError, as before this class existed, so existing `instanceof RangeError` checks still hold. */
export class EventsError extends RangeError {
  readonly code: EventsErrorCode;

  constructor(code: EventsErrorCode, message: string) {
    super(message);
    this.name = 'EventsError';
    this.code = code;
  }
}
