import { InvalidIdentifierError, normalizePhoneNumber } from '@smis/pseudonym';
import { InvalidRequestError } from '../../errors';

/** A phone enrolment request: the number in E.164, and where the request came from. */
export class StartPhoneEnrolmentCommand {
  private constructor(
    readonly e164: string,
    readonly clientAddress: string,
  ) {}

  static create(
    input: { phoneNumber?: unknown; clientAddress: string },
    defaultRegion: string,
  ): StartPhoneEnrolmentCommand {
    const raw = input.phoneNumber;
    if (typeof raw !== 'string' || raw.length === 0 || raw.length > 32)
      throw new InvalidRequestError([
        { field: 'phoneNumber', message: 'a phone number of at most 32 characters is required' },
      ]);
    try {
      return new StartPhoneEnrolmentCommand(
        normalizePhoneNumber(raw, defaultRegion as Parameters<typeof normalizePhoneNumber>[1]),
        input.clientAddress || 'unknown',
      );
    } catch (error) {
      if (error instanceof InvalidIdentifierError)
        throw new InvalidRequestError([{ field: 'phoneNumber', message: error.message }]);
      throw error;
    }
  }
}
