import { InvalidPseudonymError, WrongDomainError } from '@smis/pseudonym';

/** How one item's failure travels over HTTP. */
export interface TranscryptionItemError {
  code: 'INVALID_PSEUDONYM' | 'WRONG_DOMAIN';
  detail: string;
}

export function itemError(error: InvalidPseudonymError | WrongDomainError): TranscryptionItemError {
  return error instanceof WrongDomainError
    ? { code: 'WRONG_DOMAIN', detail: error.message }
    : { code: 'INVALID_PSEUDONYM', detail: error.message };
}
