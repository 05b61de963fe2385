/**
 * The three pseudonym forms, as base64url strings (no padding) so they travel in JSON, Avro
 * strings and Kafka keys:
 * - PolymorphicPseudonym: ElGamal ciphertext (b || c, 2 x 32-byte ristretto255) under the
 *   system public key; made by senders, re-randomizable, readable by nobody.
 * - EncryptedPseudonym: domain tag (1 byte) || ElGamal ciphertext under the domain's key,
 *   output of the transcryptor; only that domain can decrypt it.
 * - LocalPseudonym: 32-byte ristretto255 point, s_domain * H(identifier); stable per citizen
 *   and domain, unlinkable across domains.
 */
import { domainOfTag, DOMAIN_TAGS, type PseudonymDomain } from './domains';
import { InvalidPseudonymError, WrongDomainError } from './errors';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type PolymorphicPseudonym = Brand<string, 'PolymorphicPseudonym'>;
export type EncryptedPseudonym = Brand<string, 'EncryptedPseudonym'>;
export type LocalPseudonym = Brand<string, 'LocalPseudonym'>;

export const ELGAMAL_BYTES = 64;
export const POINT_BYTES = 32;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function decodeBase64url(
  value: unknown,
  expectedBytes: number,
  kind: InvalidPseudonymError['kind'],
): Uint8Array {
  if (typeof value !== 'string' || !BASE64URL.test(value))
    throw new InvalidPseudonymError(kind, 'not a base64url string');
  const bytes = Buffer.from(value, 'base64url');
  if (bytes.length !== expectedBytes || bytes.toString('base64url') !== value) {
    throw new InvalidPseudonymError(kind, `expected ${expectedBytes} bytes in canonical base64url`);
  }
  return bytes;
}

export function encodePolymorphic(ciphertext: Uint8Array): PolymorphicPseudonym {
  return Buffer.from(ciphertext.buffer, ciphertext.byteOffset, ciphertext.byteLength).toString(
    'base64url',
  ) as PolymorphicPseudonym;
}

export function decodePolymorphic(value: PolymorphicPseudonym | string): Uint8Array {
  return decodeBase64url(value, ELGAMAL_BYTES, 'polymorphic');
}

export function encodeEncrypted(domain: PseudonymDomain, ciphertext: Uint8Array): EncryptedPseudonym {
  const out = Buffer.allocUnsafe(1 + ELGAMAL_BYTES);
  out[0] = DOMAIN_TAGS[domain];
  out.set(ciphertext, 1);
  return out.toString('base64url') as EncryptedPseudonym;
}

/** The ciphertext of an encrypted pseudonym, after checking it is addressed to `domain`. */
export function decodeEncrypted(value: EncryptedPseudonym | string, domain: PseudonymDomain): Uint8Array {
  const bytes = decodeBase64url(value, 1 + ELGAMAL_BYTES, 'encrypted');
  const actual = domainOfTag(bytes[0]);
  if (!actual) throw new InvalidPseudonymError('encrypted', `unknown domain tag ${bytes[0]}`);
  if (actual !== domain) throw new WrongDomainError(domain, actual);
  return bytes.subarray(1);
}

/** The domain an encrypted pseudonym is addressed to (for routing). */
export function domainOf(value: EncryptedPseudonym): PseudonymDomain {
  const bytes = decodeBase64url(value, 1 + ELGAMAL_BYTES, 'encrypted');
  const domain = domainOfTag(bytes[0]);
  if (!domain) throw new InvalidPseudonymError('encrypted', `unknown domain tag ${bytes[0]}`);
  return domain;
}

export function encodeLocal(point: Uint8Array): LocalPseudonym {
  return Buffer.from(point.buffer, point.byteOffset, point.byteLength).toString(
    'base64url',
  ) as LocalPseudonym;
}

/** Checks the shape of a local pseudonym read from storage or a message. */
export function parseLocalPseudonym(value: string): LocalPseudonym {
  decodeBase64url(value, POINT_BYTES, 'local');
  return value as LocalPseudonym;
}

/** The identity point encodes as 32 zero bytes; a ciphertext with b = identity is plaintext. */
export function hasIdentityRandomizer(ciphertext: Uint8Array): boolean {
  for (let i = 0; i < POINT_BYTES; i++) if (ciphertext[i] !== 0) return false;
  return true;
}
