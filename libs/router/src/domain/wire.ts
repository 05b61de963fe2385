import {
  domainOf,
  type EncryptedPseudonym,
  type PolymorphicPseudonym,
  type PseudonymDomain,
} from '@smis/pseudonym';

/**
 * Pseudonyms on the wire (Avro fixed, 64 bytes) are the raw ElGamal ciphertexts (ADR 4);
 * `@smis/pseudonym` handles them as base64url strings, encrypted ones with a one-byte domain
 * tag in front. These convert between the two.
 */
const tags = new Map<PseudonymDomain, number>();

function tagOf(domain: PseudonymDomain): number {
  const known = tags.get(domain);
  if (known !== undefined) return known;
  for (let tag = 0; tag < 256; tag++) {
    const probe = Buffer.alloc(65);
    probe[0] = tag;
    try {
      if (domainOf(probe.toString('base64url') as EncryptedPseudonym) === domain) {
        tags.set(domain, tag);
        return tag;
      }
    } catch {
      /* not this tag */
    }
  }
  throw new Error(`@smis/pseudonym knows no tag for domain ${domain}`);
}

export function polymorphicFromWire(bytes: Buffer): PolymorphicPseudonym {
  return bytes.toString('base64url') as PolymorphicPseudonym;
}

/** The raw ciphertext of an encrypted pseudonym (its domain tag dropped), for a channel job. */
export function encryptedToWire(value: EncryptedPseudonym): Buffer {
  return Buffer.from(value, 'base64url').subarray(1);
}

/** An encrypted pseudonym received on the wire, addressed to `domain`. */
export function encryptedFromWire(bytes: Buffer, domain: PseudonymDomain): EncryptedPseudonym {
  return Buffer.concat([Buffer.from([tagOf(domain)]), bytes]).toString('base64url') as EncryptedPseudonym;
}
