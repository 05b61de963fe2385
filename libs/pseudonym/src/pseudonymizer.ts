/**
 * The sender side: identifier -> polymorphic pseudonym, with only the system public key.
 *
 * Identifier -> group element: M = ristretto255-from-uniform-bytes(SHA-512("SMIS-PSEUDONYM-V1"
 * || 0x00 || canonical identifier)) (libpep GroupElement.fromHash, the Elligator-based map of
 * RFC 9496 section 4.3.4). M is a plain hash and is never revealed: it only exists inside the
 * ElGamal ciphertext Enc(r, M, Y). What a domain finally sees is s_domain * M, keyed by the
 * transcryptor's secret reshuffle factor, so testing guessed NISS numbers against a local
 * pseudonym needs s_domain; the 10^9-sized NISS space cannot be walked offline.
 */
import { createHash } from 'node:crypto';
import { parseSystemPublicKeyConfig, type SystemPublicKeyConfig } from './config';
import {
  decodePolymorphic,
  encodePolymorphic,
  hasIdentityRandomizer,
  type PolymorphicPseudonym,
} from './encoding';
import { InvalidPseudonymError } from './errors';
import { parseIdentifier, type CitizenIdentifier, type ParseOptions } from './identifier';
import { loadLibpep, type GroupElement, type LibpepModule } from './libpep';
import { loadNativeRistretto, resolveBackend, type BackendChoice } from './native/native';

const IDENTIFIER_CONTEXT = Buffer.from('SMIS-PSEUDONYM-V1\0', 'utf8');

function identifierHash(identifier: CitizenIdentifier): Buffer {
  return createHash('sha512').update(IDENTIFIER_CONTEXT).update(identifier.canonical, 'utf8').digest();
}

export function identifierPoint(pep: LibpepModule, identifier: CitizenIdentifier): GroupElement {
  return pep.GroupElement.fromHash(identifierHash(identifier));
}

export interface Pseudonymizer {
  /** Parses the identifier (`niss:...` / `tel:...`) and encrypts its group element. */
  polymorphicPseudonym(identifier: string | CitizenIdentifier): PolymorphicPseudonym;
  /** Same citizen, fresh randomness: the two values cannot be linked without a secret key. */
  rerandomize(pseudonym: PolymorphicPseudonym): PolymorphicPseudonym;
}

export function createPseudonymizer(
  config: SystemPublicKeyConfig,
  parseOptions: ParseOptions & { readonly backend?: BackendChoice } = {},
): Pseudonymizer {
  const pep = loadLibpep();
  const publicKey = pep.GroupElement.fromHex(
    parseSystemPublicKeyConfig(config).systemPublicKey,
  ) as GroupElement;
  // The native kernel (ADR 0101) does hash-to-group and encryption about 2.5x faster.
  const native = loadNativeRistretto(resolveBackend(parseOptions.backend));
  const publicKeyBytes = publicKey.toBytes();
  return {
    polymorphicPseudonym(identifier) {
      const parsed = typeof identifier === 'string' ? parseIdentifier(identifier, parseOptions) : identifier;
      if (native) {
        const out = new Uint8Array(64);
        if (!native.encrypt(identifierHash(parsed), 1, publicKeyBytes, out))
          throw new Error('native encryption failed: the system public key is not a valid point');
        return encodePolymorphic(out);
      }
      const m = identifierPoint(pep, parsed);
      const ciphertext = pep.encrypt(m, publicKey);
      const bytes = ciphertext.toBytes();
      ciphertext.free();
      m.free();
      return encodePolymorphic(bytes);
    },
    rerandomize(pseudonym) {
      const bytes = decodePolymorphic(pseudonym);
      const ciphertext = hasIdentityRandomizer(bytes) ? undefined : pep.ElGamal.fromBytes(bytes);
      if (!ciphertext)
        throw new InvalidPseudonymError(
          'polymorphic',
          'not an ElGamal ciphertext of two ristretto255 points',
        );
      const r = pep.ScalarNonZero.random();
      const out = pep.rerandomize(ciphertext, publicKey, r);
      const result = out.toBytes();
      out.free();
      r.free();
      ciphertext.free();
      return encodePolymorphic(result);
    },
  };
}
