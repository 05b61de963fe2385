import {
  InvalidIdentifierError,
  InvalidPseudonymError,
  parseIdentifier,
  type CitizenIdentifier,
  type ParseOptions,
  type PolymorphicPseudonym,
} from '@smis/pseudonym';
import { InvalidRecipientError } from './errors';

const POLYMORPHIC_PSEUDONYM = /^[A-Za-z0-9_-]{86}$/;
const SCHEME = /^\s*[A-Za-z][A-Za-z0-9+.-]*:/;
const NISS_LIKE = /^[0-9.\- ]+$/;

/** Whether `value` has the shape of a polymorphic pseudonym (64 bytes, base64url): no identifier does. */
export function looksLikePseudonym(value: string): value is PolymorphicPseudonym {
  return POLYMORPHIC_PSEUDONYM.test(value);
}

/**
 * `niss:…` and `tel:…` as they are; a raw value of exactly 11 digits (separators allowed) is a
 * NISS, anything else phone-like is a phone number (national numbers have 9-10 digits, so the
 * two cannot be confused). Throws InvalidRecipientError.
 */
export function parseRecipient(input: unknown, options: ParseOptions = {}): CitizenIdentifier {
  if (typeof input !== 'string') throw new InvalidRecipientError('not-a-string');
  const text = input.trim();
  if (text === '') throw new InvalidRecipientError('empty');
  let qualified: string;
  if (SCHEME.test(text)) qualified = text;
  else if (NISS_LIKE.test(text) && text.replace(/[.\- ]/g, '').length === 11 && !text.startsWith('+'))
    qualified = `niss:${text}`;
  else if (/^[0-9+()./\- ]+$/.test(text)) qualified = `tel:${text}`;
  else throw new InvalidRecipientError('unknown-scheme');
  try {
    return parseIdentifier(qualified, options);
  } catch (error) {
    if (error instanceof InvalidIdentifierError)
      throw new InvalidRecipientError(error.reason, { cause: error });
    throw error;
  }
}

export function asInvalidPseudonym(error: unknown): never {
  if (error instanceof InvalidPseudonymError)
    throw new InvalidRecipientError('invalid-pseudonym', { cause: error });
  throw error;
}
