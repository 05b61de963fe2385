/** Errors of the status service's operations; HTTP turns them into problem details (RFC 9457). */
export class StatusError extends Error {
  override readonly name: string = 'StatusError';
}

export interface FieldProblem {
  field: string;
  message: string;
}

/** A command was built from invalid input; `problems` names each field. */
export class InvalidCommandError extends StatusError {
  override readonly name: string = 'InvalidCommandError';

  constructor(readonly problems: readonly FieldProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
  }
}

/** The thing does not exist, or belongs to another sender (the two are not told apart). */
export class NotFoundError extends StatusError {
  override readonly name: string = 'NotFoundError';
}

/** The request conflicts with the current state (e.g. a limit is reached). */
export class ConflictError extends StatusError {
  override readonly name: string = 'ConflictError';
}
