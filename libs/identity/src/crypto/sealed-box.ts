import * as sodium from 'sodium-native';

/** crypto_box_seal of `message` to an X25519 public key (libsodium sealed box, 48 bytes overhead). */
export function sealTo(publicKey: Buffer, message: string | Buffer): Buffer {
  const plain = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  const out = Buffer.alloc(plain.length + sodium.crypto_box_SEALBYTES);
  sodium.crypto_box_seal(out, plain, publicKey);
  if (typeof message === 'string') sodium.sodium_memzero(plain);
  return out;
}

/** Opens a sealed box (tests, and the SMS channel's side of the contract). */
export function openSealed(sealed: Buffer, publicKey: Buffer, secretKey: Buffer): Buffer | undefined {
  if (sealed.length < sodium.crypto_box_SEALBYTES) return undefined;
  const out = Buffer.alloc(sealed.length - sodium.crypto_box_SEALBYTES);
  return sodium.crypto_box_seal_open(out, sealed, publicKey, secretKey) ? out : undefined;
}
