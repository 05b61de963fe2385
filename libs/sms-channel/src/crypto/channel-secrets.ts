import sodium from 'sodium-native';
import type { ChannelKey } from '../config';

/**
 * The channel's secrets: opening what identity sealed to the channel key (crypto_box_seal), and
 * keeping phone numbers encrypted at rest (secretbox, XSalsa20-Poly1305, with a key derived from
 * the channel's secret key: BLAKE2b-256 keyed by it over a fixed label). A stored value is
 * `version (1) || nonce (24) || box`. Plaintexts never leave this object except to the provider.
 */
export class ChannelSecrets {
  private readonly atRestKey: Buffer;
  private static readonly VERSION = 1;

  constructor(
    private readonly key: ChannelKey,
    label = 'smis/sms-channel/at-rest/v1',
  ) {
    this.atRestKey = sodium.sodium_malloc(sodium.crypto_secretbox_KEYBYTES) as Buffer;
    sodium.crypto_generichash(this.atRestKey, Buffer.from(label, 'utf8'), key.secretKey);
  }

  /** Opens a crypto_box_seal to the channel key; undefined when it is not one (or was altered). */
  openSealed(sealed: Uint8Array): Buffer | undefined {
    if (sealed.length < sodium.crypto_box_SEALBYTES) return undefined;
    const out = Buffer.alloc(sealed.length - sodium.crypto_box_SEALBYTES);
    const ok = sodium.crypto_box_seal_open(out, Buffer.from(sealed), this.key.publicKey, this.key.secretKey);
    return ok ? out : undefined;
  }

  encryptAtRest(plaintext: string): Buffer {
    const message = Buffer.from(plaintext, 'utf8');
    const nonce = Buffer.alloc(sodium.crypto_secretbox_NONCEBYTES);
    sodium.randombytes_buf(nonce);
    const box = Buffer.alloc(message.length + sodium.crypto_secretbox_MACBYTES);
    sodium.crypto_secretbox_easy(box, message, nonce, this.atRestKey);
    return Buffer.concat([Buffer.from([ChannelSecrets.VERSION]), nonce, box]);
  }

  decryptAtRest(stored: Buffer): string {
    const nonceEnd = 1 + sodium.crypto_secretbox_NONCEBYTES;
    if (stored[0] !== ChannelSecrets.VERSION || stored.length < nonceEnd + sodium.crypto_secretbox_MACBYTES)
      throw new Error('Stored value has an unknown format');
    const box = stored.subarray(nonceEnd);
    const out = Buffer.alloc(box.length - sodium.crypto_secretbox_MACBYTES);
    if (!sodium.crypto_secretbox_open_easy(out, box, stored.subarray(1, nonceEnd), this.atRestKey))
      throw new Error('Stored value does not open with the channel key');
    return out.toString('utf8');
  }
}

/** E.164: + and 8-15 digits. */
export function isE164(value: string): boolean {
  return /^\+[1-9][0-9]{7,14}$/.test(value);
}
