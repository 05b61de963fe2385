import { InvalidRequestError } from '../../errors';

/** Starts a strong-authentication enrolment, optionally linking the phone credential the app holds. */
export class StartOidcEnrolmentCommand {
  private constructor(readonly link: string | undefined) {}

  static create(input: { link?: unknown }): StartOidcEnrolmentCommand {
    const link = input.link;
    if (link === undefined || link === null || link === '') return new StartOidcEnrolmentCommand(undefined);
    if (typeof link !== 'string' || link.length > 16_384 || !/^[A-Za-z0-9_.-]+$/.test(link))
      throw new InvalidRequestError([{ field: 'link', message: 'must be an enrolment credential (JWT)' }]);
    return new StartOidcEnrolmentCommand(link);
  }
}
