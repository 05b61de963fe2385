/**
 * The tweetnacl implementation: the citizen app's and the reference. Browser-safe by design:
 * it imports tweetnacl and this library's own pure-TypeScript modules, nothing from Node
 * (checked by tweetnacl-envelope-crypto.spec.ts). tweetnacl has no sealed box and no BLAKE2b,
 * so both are built here exactly as libsodium's crypto_box_seal does them.
 */
import nacl from 'tweetnacl';
import { blake2b } from './blake2b';
import { createEnvelopeCrypto } from './envelope-crypto';
import type { KeyPairBytes, NaclPrimitives, RandomBytes } from './primitives';
import type { EnvelopeCrypto } from './types';

const SEALED_NONCE_BYTES = 24;
const X25519_BYTES = 32;

export function tweetnaclPrimitives(randomBytes: RandomBytes = nacl.randomBytes): NaclPrimitives {
  const wipe = (bytes: Uint8Array): void => {
    bytes.fill(0);
  };
  const sealNonce = (ephemeralPublicKey: Uint8Array, publicKey: Uint8Array): Uint8Array =>
    blake2b(SEALED_NONCE_BYTES, [ephemeralPublicKey, publicKey]);
  const boxKeyPairFromSecret = (secretKey: Uint8Array): KeyPairBytes => {
    const pair = nacl.box.keyPair.fromSecretKey(secretKey);
    return { publicKey: pair.publicKey, secretKey: pair.secretKey };
  };

  return {
    implementation: 'tweetnacl',
    randomBytes,
    secretbox: (message, nonce, key) => nacl.secretbox(message, nonce, key),
    secretboxOpen: (box, nonce, key) => nacl.secretbox.open(box, nonce, key) ?? undefined,
    sealedBox(message, publicKey) {
      const ephemeralSecretKey = randomBytes(X25519_BYTES);
      try {
        const ephemeralPublicKey = nacl.scalarMult.base(ephemeralSecretKey);
        const box = nacl.box(
          message,
          sealNonce(ephemeralPublicKey, publicKey),
          publicKey,
          ephemeralSecretKey,
        );
        const out = new Uint8Array(X25519_BYTES + box.length);
        out.set(ephemeralPublicKey);
        out.set(box, X25519_BYTES);
        return out;
      } finally {
        wipe(ephemeralSecretKey);
      }
    },
    sealedBoxOpen(sealed, publicKey, secretKey) {
      if (sealed.length < X25519_BYTES + nacl.box.overheadLength) return undefined;
      const ephemeralPublicKey = sealed.subarray(0, X25519_BYTES);
      const opened = nacl.box.open(
        sealed.subarray(X25519_BYTES),
        sealNonce(ephemeralPublicKey, publicKey),
        ephemeralPublicKey,
        secretKey,
      );
      return opened ?? undefined;
    },
    sign: (message, secretKey) => nacl.sign.detached(message, secretKey),
    verify: (message, signature, publicKey) =>
      signature.length === nacl.sign.signatureLength &&
      nacl.sign.detached.verify(message, signature, publicKey),
    boxKeyPair: () => boxKeyPairFromSecret(randomBytes(X25519_BYTES)),
    // libsodium crypto_box_seed_keypair: secret key = first 32 bytes of SHA-512(seed).
    boxKeyPairFromSeed: (seed) => boxKeyPairFromSecret(nacl.hash(seed).slice(0, X25519_BYTES)),
    signKeyPair: () => {
      const pair = nacl.sign.keyPair();
      return { publicKey: pair.publicKey, secretKey: pair.secretKey };
    },
    signKeyPairFromSeed: (seed) => {
      const pair = nacl.sign.keyPair.fromSeed(seed);
      return { publicKey: pair.publicKey, secretKey: pair.secretKey };
    },
    blake2b: (outputLength, input) => blake2b(outputLength, [input]),
    wipe,
  };
}

export function createTweetnaclEnvelopeCrypto(): EnvelopeCrypto {
  return createEnvelopeCrypto(tweetnaclPrimitives());
}
