import type { CredentialVerifierPort } from '@smis/app-channel';
import type { ServiceName } from '@smis/keyring';
import type { TranscryptionPort } from '@smis/pseudonym';

/**
 * Ports between service modules hosted in this process. Modules are registered before Nest
 * builds their providers, so the ports delegate to implementations bound right after the
 * application is created and before it starts (no call can happen in between).
 */
export class InProcessPorts {
  private transcriptionFor?: (caller: ServiceName) => TranscryptionPort;
  private credentialVerifier?: CredentialVerifierPort;

  bind(parts: {
    transcriptionFor: (caller: ServiceName) => TranscryptionPort;
    credentials: CredentialVerifierPort;
  }): void {
    this.transcriptionFor = parts.transcriptionFor;
    this.credentialVerifier = parts.credentials;
  }

  transcription(caller: ServiceName): TranscryptionPort {
    return {
      transcrypt: (pseudonyms, domain) =>
        this.require(this.transcriptionFor, 'identity (transcryptor)')(caller).transcrypt(pseudonyms, domain),
    };
  }

  credentials(): CredentialVerifierPort {
    return {
      verify: (token) => this.require(this.credentialVerifier, 'identity (credentials)').verify(token),
    };
  }

  private require<T>(value: T | undefined, what: string): T {
    if (!value)
      throw new Error(
        `The ${what} service is not hosted in this process (SMIS_SERVICES); configure its HTTP URL`,
      );
    return value;
  }
}
