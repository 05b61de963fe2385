import type { PseudonymDomain } from './domains';
import type { EncryptedPseudonym, PolymorphicPseudonym } from './encoding';
import type { BatchOutcome } from './transcryptor';

/**
 * How a service asks the transcryptor (in the identity service) for its domain's pseudonyms.
 * In one process it is a direct call; across processes an authenticated HTTP call. Results
 * keep the order of the input; a malformed entry fails alone.
 */
export interface TranscryptionPort {
  transcrypt(
    pseudonyms: readonly PolymorphicPseudonym[],
    domain: PseudonymDomain,
  ): Promise<BatchOutcome<EncryptedPseudonym>[]>;
}
