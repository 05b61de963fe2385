/**
 * In-thread transcryption (identity service) and domain decryption (router, app, sms, email
 * services). Batches share the packing with the worker pool (`packBatch` / `unpack*`), so a
 * pooled and an in-thread batch give identical results.
 */
import {
  kernelKeys,
  parseDomainKeyConfig,
  parseTranscryptorConfig,
  type DomainKeyConfig,
  type TranscryptorConfig,
} from './config';
import type { PseudonymDomain } from './domains';
import {
  decodeEncrypted,
  decodePolymorphic,
  ELGAMAL_BYTES,
  encodeEncrypted,
  encodeLocal,
  hasIdentityRandomizer,
  POINT_BYTES,
  type EncryptedPseudonym,
  type LocalPseudonym,
  type PolymorphicPseudonym,
} from './encoding';
import { InvalidPseudonymError, PseudonymConfigError, WrongDomainError } from './errors';
import { createKernel, type KernelResult } from './kernel';
import { loadLibpep } from './libpep';
import {
  loadNativeRistretto,
  resolveBackend,
  type BackendChoice,
  type PseudonymBackendName,
} from './native/native';

export type BatchOutcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: InvalidPseudonymError | WrongDomainError };

export interface PackedBatch {
  readonly input: Uint8Array;
  readonly count: number;
  /** Per item: the decoding error, or undefined when it was packed. */
  readonly errors: (InvalidPseudonymError | WrongDomainError | undefined)[];
}

const NOT_ON_CURVE = 'not an ElGamal ciphertext of two ristretto255 points';

/** Decodes strings into one contiguous buffer of 64-byte ciphertexts (invalid ones left zero). */
export function packBatch(
  values: readonly string[],
  decode: (value: string) => Uint8Array,
  kind: 'polymorphic' | 'encrypted',
): PackedBatch {
  const input = new Uint8Array(values.length * ELGAMAL_BYTES);
  const errors: PackedBatch['errors'] = new Array<undefined>(values.length).fill(undefined);
  for (let i = 0; i < values.length; i++) {
    try {
      const bytes = decode(values[i]);
      if (hasIdentityRandomizer(bytes))
        throw new InvalidPseudonymError(kind, 'randomizer is the identity point (an unencrypted value)');
      input.set(bytes, i * ELGAMAL_BYTES);
    } catch (e) {
      if (e instanceof InvalidPseudonymError || e instanceof WrongDomainError) errors[i] = e;
      else throw e;
    }
  }
  return { input, count: values.length, errors };
}

export function unpackTranscrypted(
  domain: PseudonymDomain,
  batch: PackedBatch,
  result: KernelResult,
): BatchOutcome<EncryptedPseudonym>[] {
  return batch.errors.map((error, i): BatchOutcome<EncryptedPseudonym> => {
    if (error) return { ok: false, error };
    if (result.ok[i] !== 1)
      return { ok: false, error: new InvalidPseudonymError('polymorphic', NOT_ON_CURVE) };
    return {
      ok: true,
      value: encodeEncrypted(domain, result.out.subarray(i * ELGAMAL_BYTES, (i + 1) * ELGAMAL_BYTES)),
    };
  });
}

export function unpackDecrypted(batch: PackedBatch, result: KernelResult): BatchOutcome<LocalPseudonym>[] {
  return batch.errors.map((error, i): BatchOutcome<LocalPseudonym> => {
    if (error) return { ok: false, error };
    if (result.ok[i] !== 1) return { ok: false, error: new InvalidPseudonymError('encrypted', NOT_ON_CURVE) };
    return { ok: true, value: encodeLocal(result.out.subarray(i * POINT_BYTES, (i + 1) * POINT_BYTES)) };
  });
}

function single<T>(outcome: BatchOutcome<T>): T {
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

export interface Transcryptor {
  readonly domains: readonly PseudonymDomain[];
  readonly backend: PseudonymBackendName;
  /** Reshuffle+rekey into `domain`. Throws InvalidPseudonymError. */
  transcrypt(pseudonym: PolymorphicPseudonym, domain: PseudonymDomain): EncryptedPseudonym;
  /** Per-item outcomes, in input order: one bad item does not fail the others. */
  transcryptBatch(
    pseudonyms: readonly PolymorphicPseudonym[],
    domain: PseudonymDomain,
  ): BatchOutcome<EncryptedPseudonym>[];
}

export interface KernelOptions {
  /** Default `auto`: the process's backend (`SMIS_PSEUDONYM_BACKEND`, native when it builds). */
  readonly backend?: BackendChoice;
}

export function createTranscryptor(config: TranscryptorConfig, options: KernelOptions = {}): Transcryptor {
  const parsed = parseTranscryptorConfig(config);
  const domains = Object.keys(parsed.domains) as PseudonymDomain[];
  const backend = resolveBackend(options.backend);
  const run = createKernel(loadLibpep(), kernelKeys(parsed), loadNativeRistretto(backend));
  const transcryptBatch = (pseudonyms: readonly PolymorphicPseudonym[], domain: PseudonymDomain) => {
    if (!domains.includes(domain))
      throw new PseudonymConfigError(
        `transcryptor.domains.${domain}`,
        'no factors configured for this domain',
      );
    const batch = packBatch(pseudonyms, decodePolymorphic, 'polymorphic');
    return unpackTranscrypted(domain, batch, run('transcrypt', domain, batch.input, batch.count));
  };
  return {
    domains,
    backend: backend.name,
    transcryptBatch,
    transcrypt: (pseudonym, domain) => single(transcryptBatch([pseudonym], domain)[0]),
  };
}

export interface DomainDecryptor {
  readonly domain: PseudonymDomain;
  readonly backend: PseudonymBackendName;
  /** The stable local pseudonym. Throws WrongDomainError or InvalidPseudonymError. */
  decrypt(pseudonym: EncryptedPseudonym): LocalPseudonym;
  decryptBatch(pseudonyms: readonly EncryptedPseudonym[]): BatchOutcome<LocalPseudonym>[];
}

export function createDomainDecryptor(config: DomainKeyConfig, options: KernelOptions = {}): DomainDecryptor {
  const parsed = parseDomainKeyConfig(config);
  const backend = resolveBackend(options.backend);
  const run = createKernel(loadLibpep(), kernelKeys(undefined, [parsed]), loadNativeRistretto(backend));
  const decryptBatch = (pseudonyms: readonly EncryptedPseudonym[]) => {
    const batch = packBatch(pseudonyms, (value) => decodeEncrypted(value, parsed.domain), 'encrypted');
    return unpackDecrypted(batch, run('decrypt', parsed.domain, batch.input, batch.count));
  };
  return {
    domain: parsed.domain,
    backend: backend.name,
    decryptBatch,
    decrypt: (pseudonym) => single(decryptBatch([pseudonym])[0]),
  };
}
