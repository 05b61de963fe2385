import { InvalidRequestError } from '../../errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A code attempt. Any string up to 16 characters is an attempt (a malformed one is simply wrong). */
export class VerifyPhoneEnrolmentCommand {
  private constructor(
    readonly enrolmentId: string,
    readonly code: string,
  ) {}

  static create(input: { enrolmentId?: unknown; code?: unknown }): VerifyPhoneEnrolmentCommand {
    const problems = [];
    if (typeof input.enrolmentId !== 'string' || !UUID.test(input.enrolmentId))
      problems.push({ field: 'enrolmentId', message: 'must be a UUID' });
    if (typeof input.code !== 'string' || input.code.length === 0 || input.code.length > 16)
      problems.push({ field: 'code', message: 'the 6-digit code received by SMS is required' });
    if (problems.length > 0) throw new InvalidRequestError(problems);
    return new VerifyPhoneEnrolmentCommand((input.enrolmentId as string).toLowerCase(), input.code as string);
  }
}
