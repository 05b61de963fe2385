import { InvalidRequestError } from '../../errors';

/** The provider's redirect back: `code` and `state`, or `error`. */
export class CompleteOidcEnrolmentCommand {
  private constructor(
    readonly state: string,
    readonly code: string | undefined,
    readonly error: string | undefined,
  ) {}

  static create(input: { state?: unknown; code?: unknown; error?: unknown }): CompleteOidcEnrolmentCommand {
    const problems = [];
    const state = input.state;
    if (typeof state !== 'string' || !/^[A-Za-z0-9_-]{16,128}$/.test(state))
      problems.push({ field: 'state', message: 'missing or malformed' });
    const error = typeof input.error === 'string' && input.error ? input.error : undefined;
    const code = typeof input.code === 'string' && input.code ? input.code : undefined;
    if (!error && (!code || code.length > 2048))
      problems.push({ field: 'code', message: 'missing or malformed' });
    if (problems.length > 0) throw new InvalidRequestError(problems);
    return new CompleteOidcEnrolmentCommand(state as string, code, error);
  }
}
