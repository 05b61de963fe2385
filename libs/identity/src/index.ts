// @smis/identity: enrolment (phone + SMS code, strong authentication through OpenID Connect),
// the enrolment credential, and the transcryptor (docs/adr/0004, 0005, 0400).

export { IdentityModule, type IdentityModuleOptions } from './identity.module';
export {
  loadIdentityConfig,
  validateIdentityConfig,
  IdentityConfigError,
  IDENTITY_DEFAULTS,
  type IdentityConfig,
  type IdentityConfigInput,
  type OidcConfig,
  type RateLimit,
} from './config';
export { systemClock, type Clock } from './clock';

// The credential: issued by identity, verified by the app channel (ADR 5 CredentialVerifierPort).
export {
  CredentialVerifier,
  createCredentialVerifier,
  credentialJwks,
  CREDENTIAL_AUDIENCE,
  CREDENTIAL_TYPE,
  type CredentialClaims,
  type CredentialVerifierOptions,
  type CredentialVerifierPort,
  type EnrolmentMethodClaim,
  type VerifiedCredential,
} from './credential/credential';

// The transcryptor: in-process ports (apps/platform) and the HTTP client (split deployments).
export { TranscryptionService, createTranscryptionPort } from './transcryption/transcryption.service';
export {
  createHttpTranscryptionPort,
  TranscryptionCallError,
  type HttpTranscryptionPortOptions,
} from './transcryption/http-transcryption-port';
export { TRANSCRYPTION_ENTITLEMENTS, isEntitled } from './transcryption/entitlements';
export type { TranscryptionItemError } from './transcryption/transcription-errors';

// For the SMS channel's side of the contract and tests: the sealed box identity uses.
export { openSealed } from './crypto/sealed-box';

export {
  IdentityError,
  InvalidRequestError,
  NotFoundError,
  RateLimitedError,
  CodeRejectedError,
  CodeExpiredError,
  EnrolmentLockedError,
  EnrolmentFinishedError,
  UnauthenticatedError,
  ForbiddenError,
  AuthenticationFailedError,
  InvalidCredentialError,
  OidcUnavailableError,
  type FieldProblem,
} from './errors';
