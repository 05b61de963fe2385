import {
  InvalidPseudonymError,
  WrongDomainError,
  type BatchOutcome,
  type EncryptedPseudonym,
  type PolymorphicPseudonym,
  type PseudonymDomain,
  type TranscryptionPort,
} from '@smis/pseudonym';
import type { TranscryptionItemError } from './transcription-errors';

export interface HttpTranscryptionPortOptions {
  /** Where the identity service answers, e.g. `http://identity:3000` (the path is added). */
  baseUrl: string;
  /** This service's token (keyring serviceTokens[<service>]). */
  serviceToken: string;
  /** Per call (default 10 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** The transcryptor refused or failed the whole call (401, 403, 4xx, 5xx); `status` is the HTTP status. */
export class TranscryptionCallError extends Error {
  override readonly name = 'TranscryptionCallError';
  constructor(
    readonly status: number,
    readonly problemType: string | undefined,
    detail: string,
  ) {
    super(`transcryption call failed (HTTP ${status}): ${detail}`);
  }
  get retriable(): boolean {
    return this.status >= 500 || this.status === 429;
  }
}

type Item = { ok: true; value: string } | { ok: false; error: TranscryptionItemError };

/** A TranscryptionPort over `POST /v1/identity/transcrypt` for split deployments. */
export function createHttpTranscryptionPort(options: HttpTranscryptionPortOptions): TranscryptionPort {
  const url = new URL('/v1/identity/transcrypt', options.baseUrl);
  const doFetch = options.fetch ?? fetch;
  return {
    async transcrypt(
      pseudonyms: readonly PolymorphicPseudonym[],
      domain: PseudonymDomain,
    ): Promise<BatchOutcome<EncryptedPseudonym>[]> {
      if (pseudonyms.length === 0) return [];
      const response = await doFetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.serviceToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ domain, pseudonyms }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      const body = (await response.json().catch(() => ({}))) as {
        results?: Item[];
        type?: string;
        detail?: string;
      };
      if (!response.ok || !Array.isArray(body.results) || body.results.length !== pseudonyms.length)
        throw new TranscryptionCallError(response.status, body.type, body.detail ?? response.statusText);
      return body.results.map((item): BatchOutcome<EncryptedPseudonym> => {
        if (item.ok) return { ok: true, value: item.value as EncryptedPseudonym };
        return {
          ok: false,
          error:
            item.error?.code === 'WRONG_DOMAIN'
              ? new WrongDomainError(domain, 'another')
              : new InvalidPseudonymError(
                  'polymorphic',
                  item.error?.detail ?? 'rejected by the transcryptor',
                ),
        };
      });
    },
  };
}
