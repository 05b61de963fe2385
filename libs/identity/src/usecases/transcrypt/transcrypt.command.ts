import { isPseudonymDomain, type PolymorphicPseudonym, type PseudonymDomain } from '@smis/pseudonym';
import { InvalidRequestError } from '../../errors';

/**
 * A batch transcription request. Items are not checked here: each malformed one fails alone
 * (per-item error), the others are transcrypted.
 */
export class TranscryptCommand {
  private constructor(
    readonly domain: PseudonymDomain,
    readonly pseudonyms: readonly PolymorphicPseudonym[],
  ) {}

  static create(body: unknown): TranscryptCommand {
    const b = (typeof body === 'object' && body !== null ? body : {}) as {
      domain?: unknown;
      pseudonyms?: unknown;
    };
    const problems = [];
    if (!isPseudonymDomain(b.domain))
      problems.push({ field: 'domain', message: 'must be one of router, app, sms, email' });
    if (!Array.isArray(b.pseudonyms))
      problems.push({ field: 'pseudonyms', message: 'must be an array of polymorphic pseudonyms' });
    if (problems.length > 0) throw new InvalidRequestError(problems);
    return new TranscryptCommand(b.domain as PseudonymDomain, b.pseudonyms as PolymorphicPseudonym[]);
  }
}
