import {
  domainOf,
  type DomainDecryptor,
  type EncryptedPseudonym,
  type LocalPseudonym,
  type PolymorphicPseudonym,
  type PseudonymDomain,
  type TranscryptionPort,
} from '@smis/pseudonym';

/**
 * On the wire (Avro `fixed` 64) an encrypted pseudonym is the bare ElGamal ciphertext; in
 * @smis/pseudonym it is base64url(domain tag || ciphertext). The tags are @smis/pseudonym's
 * DOMAIN_TAGS (not exported from its index); `domainOf` checks the round trip.
 */
const TAGS: Readonly<Record<PseudonymDomain, number>> = { router: 1, app: 2, sms: 3, email: 4 };

export function fromWire(bytes: Buffer, domain: PseudonymDomain): EncryptedPseudonym {
  if (bytes.length !== 64) throw new RangeError(`an encrypted pseudonym is 64 bytes, got ${bytes.length}`);
  const value = Buffer.concat([Buffer.from([TAGS[domain]]), bytes]).toString(
    'base64url',
  ) as EncryptedPseudonym;
  if (domainOf(value) !== domain) throw new RangeError(`domain tag mismatch for ${domain}`);
  return value;
}

export function toWire(value: EncryptedPseudonym, domain: PseudonymDomain): Buffer {
  if (domainOf(value) !== domain) throw new RangeError(`expected a ${domain}-domain pseudonym`);
  return Buffer.from(value, 'base64url').subarray(1);
}

/** Transcrypts polymorphic pseudonyms into the app domain and decrypts them: local pseudonyms, in order. */
export async function appLocalPseudonyms(
  transcription: TranscryptionPort,
  decryptor: DomainDecryptor,
  pseudonyms: readonly PolymorphicPseudonym[],
): Promise<(LocalPseudonym | undefined)[]> {
  if (pseudonyms.length === 0) return [];
  const encrypted = await transcription.transcrypt(pseudonyms, 'app');
  const ok = encrypted.map((o) => (o.ok ? o.value : undefined));
  const valid = ok.filter((v): v is EncryptedPseudonym => v !== undefined);
  const decrypted = decryptor.decryptBatch(valid);
  let i = 0;
  return ok.map((v) => {
    if (v === undefined) return undefined;
    const outcome = decrypted[i++];
    return outcome.ok ? outcome.value : undefined;
  });
}
