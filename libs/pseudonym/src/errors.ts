/**
 * Typed errors of the pseudonymization library. Messages never contain the identifier itself:
 * NISS numbers and phone numbers are personal data and error messages end up in logs.
 */

export type InvalidIdentifierReason =
  | 'not-a-string'
  | 'too-long'
  | 'unknown-scheme'
  | 'niss-format'
  | 'niss-check-digits'
  | 'niss-birth-date'
  | 'niss-sequence'
  | 'phone-format'
  | 'phone-invalid';

const REASON_TEXT: Record<InvalidIdentifierReason, string> = {
  'not-a-string': 'the identifier must be a string',
  'too-long': 'the identifier is longer than 64 characters',
  'unknown-scheme': 'the identifier must start with "niss:" or "tel:"',
  'niss-format': 'a NISS/INSZ has exactly 11 digits (dots, dashes and spaces are allowed as separators)',
  'niss-check-digits': 'the NISS/INSZ check digits do not match (mod 97, for births before and from 2000)',
  'niss-birth-date': 'the NISS/INSZ birth date part is not a possible date (or lies in the future)',
  'niss-sequence': 'the NISS/INSZ sequence number must be 001..998',
  'phone-format': 'a phone number may only contain digits, spaces, "+", "(", ")", ".", "/" and "-"',
  'phone-invalid': 'not a valid phone number (numbers without "+" are read as Belgian by default)',
};

export class InvalidIdentifierError extends Error {
  readonly code = 'INVALID_IDENTIFIER' as const;
  readonly retriable = false;
  constructor(readonly reason: InvalidIdentifierReason) {
    super(`invalid identifier (${reason}): ${REASON_TEXT[reason]}`);
    this.name = 'InvalidIdentifierError';
  }
}

/** A pseudonym value that cannot be decoded: wrong length, not base64url, not a group element. */
export class InvalidPseudonymError extends Error {
  readonly code = 'INVALID_PSEUDONYM' as const;
  readonly retriable = false;
  constructor(
    readonly kind: 'polymorphic' | 'encrypted' | 'local',
    detail: string,
  ) {
    super(`invalid ${kind} pseudonym: ${detail}`);
    this.name = 'InvalidPseudonymError';
  }
}

/** An encrypted pseudonym addressed to another domain than the decryptor's. */
export class WrongDomainError extends Error {
  readonly code = 'WRONG_DOMAIN' as const;
  readonly retriable = false;
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`encrypted pseudonym is for domain "${actual}", this decryptor is for "${expected}"`);
    this.name = 'WrongDomainError';
  }
}

/** Bad key material or configuration; `path` names the offending field. */
export class PseudonymConfigError extends Error {
  readonly code = 'PSEUDONYM_CONFIG' as const;
  readonly retriable = false;
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`pseudonymization config ${path}: ${detail}`);
    this.name = 'PseudonymConfigError';
  }
}
