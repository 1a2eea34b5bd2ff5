/** A serialized learner state that this version cannot read: corrupted, truncated or from a future format. */
export class StateFormatError extends Error {
  constructor(message: string) {
    super(`invalid serialized learner state: ${message}`);
    this.name = 'StateFormatError';
  }
}
