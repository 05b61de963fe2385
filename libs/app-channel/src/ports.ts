import type { EncryptedPseudonym, PolymorphicPseudonym, TranscryptionPort } from '@smis/pseudonym';
import type { SenderRegistry } from '@smis/senders';
import type { PushProvider, PushProviderKind } from './push/push-provider';

/** What the key directory answers about a citizen (ADR 5). */
export interface Reachability {
  /** At least one active device. */
  appInstalled: boolean;
  /** At least one active device with notifications on. */
  notificationsEnabled: boolean;
  devices: { keyId: string; publicKey: string /* base64 X25519 */ }[];
}

/** Implemented by the app channel (KeyDirectoryService); used by the gateway and, via HTTP, the sender SDK. */
export interface KeyDirectoryPort {
  lookup(recipient: PolymorphicPseudonym): Promise<Reachability>;
}

/** What a verified enrolment credential says (ADR 4). */
export interface VerifiedCredential {
  subject: string;
  /** App-domain encrypted pseudonyms, one per linked identifier. */
  app: EncryptedPseudonym[];
  /** Rerandomized polymorphic pseudonyms of the same identifiers. */
  pp: PolymorphicPseudonym[];
  methods: string[];
}

/**
 * Implemented by identity: verifies an enrolment credential (JWT, EdDSA, audience
 * `smis-app-channel`). Throws when the credential is invalid or expired.
 */
export interface CredentialVerifierPort {
  verify(token: string): Promise<VerifiedCredential>;
}

/** What the app channel needs from the rest of the platform. */
export interface AppChannelPorts {
  /** The transcryptor (identity): app domain for devices and the key directory, router domain for preferences. */
  transcription: TranscryptionPort;
  /** Identity's enrolment credential verifier. */
  credentials: CredentialVerifierPort;
  /** The sender directory's source. */
  senders: SenderRegistry;
  /**
   * Replaces transcription + decryption of LIST broadcast recipients (polymorphic → app-domain local
   * pseudonym, in order; undefined when refused). For load tests only; production leaves it unset.
   */
  listRecipientResolver?: (recipients: readonly PolymorphicPseudonym[]) => Promise<(string | undefined)[]>;
  /** Replaces the providers built from the configuration (tests, custom transports). */
  pushProviders?: Partial<Record<PushProviderKind, PushProvider>>;
}
