/** Error codes of the rules package; callers switch on `code`, never on messages. */
export type RulesErrorCode = 'state_format';

/** A serialized learner state that this version cannot read: corrupted, truncated or from a future format. */
export class StateFormatError extends Error {
  readonly code: RulesErrorCode = 'state_format';

  constructor(message: string) {
    super(`invalid serialized learner state: ${message}`);
    this.name = 'StateFormatError';
  }
}
