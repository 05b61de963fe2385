/**
 * Errors of the identity service's operations. HTTP turns them into RFC 9457 problem details;
 * messages never contain a phone number, a NISS, a code or a token.
 */
export interface FieldProblem {
  field: string;
  message: string;
}

export const PROBLEM_TYPE_BASE = 'https://smis.example/problems/identity';

export class IdentityError extends Error {
  override readonly name: string = 'IdentityError';

  constructor(
    /** HTTP status. */
    readonly status: number,
    /** Last segment of the problem type URI. */
    readonly slug: string,
    readonly title: string,
    detail: string,
    /** Extra members of the problem details object. */
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(detail);
  }
}

export class InvalidRequestError extends IdentityError {
  override readonly name = 'InvalidRequestError';
  constructor(readonly problems: readonly FieldProblem[]) {
    super(
      400,
      'invalid-request',
      'Invalid request',
      problems.map((p) => `${p.field}: ${p.message}`).join('; '),
      {
        errors: problems,
      },
    );
  }
}

export class NotFoundError extends IdentityError {
  override readonly name = 'NotFoundError';
  constructor(detail: string) {
    super(404, 'not-found', 'Not found', detail);
  }
}

export class RateLimitedError extends IdentityError {
  override readonly name = 'RateLimitedError';
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'rate-limited', 'Too many requests', 'Too many enrolment attempts; try again later', {
      retryAfter: retryAfterSeconds,
    });
  }
}

export class CodeRejectedError extends IdentityError {
  override readonly name = 'CodeRejectedError';
  constructor(readonly attemptsLeft: number) {
    super(400, 'code-rejected', 'Code rejected', 'The code is not the one that was sent', { attemptsLeft });
  }
}

export class EnrolmentLockedError extends IdentityError {
  override readonly name = 'EnrolmentLockedError';
  constructor() {
    super(423, 'enrolment-locked', 'Enrolment locked', 'Too many wrong codes: start a new enrolment');
  }
}

export class CodeExpiredError extends IdentityError {
  override readonly name = 'CodeExpiredError';
  constructor() {
    super(410, 'code-expired', 'Code expired', 'The code is no longer valid: start a new enrolment');
  }
}

export class EnrolmentFinishedError extends IdentityError {
  override readonly name = 'EnrolmentFinishedError';
  constructor() {
    super(409, 'enrolment-finished', 'Enrolment already finished', 'This enrolment was already used');
  }
}

export class UnauthenticatedError extends IdentityError {
  override readonly name = 'UnauthenticatedError';
  constructor(detail = 'A valid service token is required (Authorization: Bearer <token>)') {
    super(401, 'unauthenticated', 'Unauthenticated', detail);
  }
}

export class ForbiddenError extends IdentityError {
  override readonly name = 'ForbiddenError';
  constructor(detail: string) {
    super(403, 'forbidden', 'Forbidden', detail);
  }
}

/** The identity provider's answer could not be verified; `reason` goes to the audit trail only. */
export class AuthenticationFailedError extends IdentityError {
  override readonly name = 'AuthenticationFailedError';
  constructor(readonly reason: string) {
    super(
      401,
      'authentication-failed',
      'Authentication failed',
      'The strong authentication could not be verified',
    );
  }
}

export class InvalidCredentialError extends IdentityError {
  override readonly name = 'InvalidCredentialError';
  constructor(readonly reason: string) {
    super(401, 'invalid-credential', 'Invalid credential', 'The enrolment credential is not valid');
  }
}

export class OidcUnavailableError extends IdentityError {
  override readonly name = 'OidcUnavailableError';
  constructor(detail: string) {
    super(503, 'oidc-unavailable', 'Strong authentication unavailable', detail);
  }
}
