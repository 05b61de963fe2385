/**
 * @smis/pseudonym: polymorphic encryption and pseudonymization (PEP) on ristretto255 with the
 * reference implementation libpep; citizen identifier parsing (NISS/INSZ, E.164 phones).
 */
export { PSEUDONYM_DOMAINS, isPseudonymDomain, type PseudonymDomain } from './domains';
export {
  InvalidIdentifierError,
  InvalidPseudonymError,
  WrongDomainError,
  PseudonymConfigError,
  type InvalidIdentifierReason,
} from './errors';
export {
  parseIdentifier,
  validateNiss,
  normalizePhoneNumber,
  type CitizenIdentifier,
  type IdentifierScheme,
  type NissInfo,
  type ParseOptions,
} from './identifier';
export {
  domainOf,
  parseLocalPseudonym,
  type PolymorphicPseudonym,
  type EncryptedPseudonym,
  type LocalPseudonym,
} from './encoding';
export {
  generatePseudonymKeys,
  parseSystemPublicKeyConfig,
  parseTranscryptorConfig,
  parseDomainKeyConfig,
  type SystemPublicKeyConfig,
  type TranscryptorConfig,
  type DomainKeyConfig,
  type DomainFactors,
  type PseudonymKeyMaterial,
  type KeygenOptions,
} from './config';
export { createPseudonymizer, type Pseudonymizer } from './pseudonymizer';
export {
  createTranscryptor,
  createDomainDecryptor,
  type Transcryptor,
  type DomainDecryptor,
  type BatchOutcome,
  type KernelOptions,
} from './transcryptor';
export {
  createPseudonymWorkerPool,
  PoolClosedError,
  type PseudonymWorkerPool,
  type PseudonymWorkerPoolOptions,
} from './worker-pool';
export type { TranscryptionPort } from './transcryption-port';
export {
  pseudonymBackend,
  buildNativeAddon,
  type BackendChoice,
  type PseudonymBackend,
  type PseudonymBackendName,
} from './native/native';
