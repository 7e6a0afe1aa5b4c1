// Typed errors of the learning core. Each says which field or shape is wrong
// so that a person (or the service that called us) can act on it.

export type LearnErrorCode =
  | 'bad-config'
  | 'bad-shape'
  | 'bad-sample'
  | 'bad-model'
  | 'bad-state';

export class LearnError extends Error {
  readonly code: LearnErrorCode;
  constructor(code: LearnErrorCode, message: string) {
    super(message);
    this.name = 'LearnError';
    this.code = code;
  }
}

export function ensure(cond: unknown, code: LearnErrorCode, message: string): asserts cond {
  if (!cond) throw new LearnError(code, message);
}
