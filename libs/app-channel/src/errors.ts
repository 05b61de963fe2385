/** Errors of the app channel's operations; HTTP turns them into problem details (RFC 9457). */
export class AppChannelError extends Error {
  override readonly name: string = 'AppChannelError';
}

export interface FieldProblem {
  field: string;
  message: string;
}

/** A command was built from invalid input; `problems` names each field. */
export class InvalidCommandError extends AppChannelError {
  override readonly name: string = 'InvalidCommandError';
  constructor(readonly problems: readonly FieldProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
  }
}

/** Not there, or not the citizen's (the two are not told apart). */
export class NotFoundError extends AppChannelError {
  override readonly name: string = 'NotFoundError';
}

/** The request conflicts with the current state (a device id of another citizen). */
export class ConflictError extends AppChannelError {
  override readonly name: string = 'ConflictError';
}

/** The device or credential could not be authenticated. */
export class AuthenticationError extends AppChannelError {
  override readonly name: string = 'AuthenticationError';
}
