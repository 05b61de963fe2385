import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import type { SenderKeyPair } from '@smis/crypto';

/** The sender's Ed25519 key as a node:crypto key (signs requests and client assertions). */
export function senderPrivateKey(signingKey: SenderKeyPair): KeyObject {
  const seed = Buffer.from(signingKey.secretKey.subarray(0, 32));
  const x = Buffer.from(signingKey.publicKey).toString('base64url');
  return createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x },
    format: 'jwk',
  });
}

export function senderPublicKey(signingKey: SenderKeyPair): KeyObject {
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(signingKey.publicKey).toString('base64url') },
    format: 'jwk',
  });
}

/** Ed25519 (pure, RFC 8032) signature: 64 bytes. */
export function ed25519Sign(message: Uint8Array, key: KeyObject): Buffer {
  return sign(null, message, key);
}
