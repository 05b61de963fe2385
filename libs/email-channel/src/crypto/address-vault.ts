import sodium from 'sodium-native';

/**
 * Opens what identity sealed to the e-mail channel key (crypto_box_seal) and keeps addresses
 * encrypted at rest (secretbox, key = BLAKE2b-256 keyed by the channel secret key over a label).
 * Stored: `version (1) || nonce (24) || box`.
 */
export class AddressVault {
  private readonly atRestKey: Buffer;

  constructor(private readonly key: { publicKey: Buffer; secretKey: Buffer }) {
    this.atRestKey = sodium.sodium_malloc(sodium.crypto_secretbox_KEYBYTES) as Buffer;
    sodium.crypto_generichash(
      this.atRestKey,
      Buffer.from('smis/email-channel/at-rest/v1', 'utf8'),
      key.secretKey,
    );
  }

  openSealed(sealed: Uint8Array): Buffer | undefined {
    if (sealed.length < sodium.crypto_box_SEALBYTES) return undefined;
    const out = Buffer.alloc(sealed.length - sodium.crypto_box_SEALBYTES);
    return sodium.crypto_box_seal_open(out, Buffer.from(sealed), this.key.publicKey, this.key.secretKey)
      ? out
      : undefined;
  }

  encrypt(plaintext: string): Buffer {
    const message = Buffer.from(plaintext, 'utf8');
    const nonce = Buffer.alloc(sodium.crypto_secretbox_NONCEBYTES);
    sodium.randombytes_buf(nonce);
    const box = Buffer.alloc(message.length + sodium.crypto_secretbox_MACBYTES);
    sodium.crypto_secretbox_easy(box, message, nonce, this.atRestKey);
    return Buffer.concat([Buffer.from([1]), nonce, box]);
  }

  decrypt(stored: Buffer): string {
    const end = 1 + sodium.crypto_secretbox_NONCEBYTES;
    if (stored[0] !== 1 || stored.length < end + sodium.crypto_secretbox_MACBYTES)
      throw new Error('Unknown stored format');
    const box = stored.subarray(end);
    const out = Buffer.alloc(box.length - sodium.crypto_secretbox_MACBYTES);
    if (!sodium.crypto_secretbox_open_easy(out, box, stored.subarray(1, end), this.atRestKey))
      throw new Error('Stored value does not open with the channel key');
    return out.toString('utf8');
  }
}

/** A plain addr-spec, no display name, no header injection. */
export function isEmailAddress(value: string): boolean {
  return (
    value.length <= 254 &&
    /^[^\s@<>(),;:"\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(
      value,
    )
  );
}
