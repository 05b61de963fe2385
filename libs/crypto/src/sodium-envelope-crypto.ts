/**
 * The sodium-native implementation, for servers (senders' SDK, channel services): native
 * libsodium, roughly 30x tweetnacl. Outputs are plain Uint8Arrays, so both implementations
 * return the same types.
 */
import * as sodium from 'sodium-native';
import { createEnvelopeCrypto } from './envelope-crypto';
import type { KeyPairBytes, NaclPrimitives, RandomBytes } from './primitives';
import type { EnvelopeCrypto } from './types';

// sodium-native accepts any Uint8Array at run time; its type definitions ask for Buffer.
const b = (bytes: Uint8Array): Buffer => bytes as Buffer;

const SEALED_NONCE_BYTES = 24;
const X25519_BYTES = 32;

function systemRandom(length: number): Uint8Array {
  const out = new Uint8Array(length);
  sodium.randombytes_buf(b(out));
  return out;
}

/**
 * With the default random source sealing calls crypto_box_seal itself; with an injected one
 * (deterministic test vectors only) it builds the same sealed box from the injected ephemeral key.
 */
export function sodiumPrimitives(randomBytes?: RandomBytes): NaclPrimitives {
  const random = randomBytes ?? systemRandom;
  const wipe = (bytes: Uint8Array): void => sodium.sodium_memzero(b(bytes));

  function sealWithEphemeralKey(message: Uint8Array, publicKey: Uint8Array): Uint8Array {
    const ephemeralSecretKey = random(X25519_BYTES);
    try {
      const out = new Uint8Array(message.length + sodium.crypto_box_SEALBYTES);
      const ephemeralPublicKey = out.subarray(0, X25519_BYTES);
      sodium.crypto_scalarmult_base(b(ephemeralPublicKey), b(ephemeralSecretKey));
      const nonce = new Uint8Array(SEALED_NONCE_BYTES);
      const input = new Uint8Array(2 * X25519_BYTES);
      input.set(ephemeralPublicKey);
      input.set(publicKey, X25519_BYTES);
      sodium.crypto_generichash(b(nonce), b(input));
      sodium.crypto_box_easy(
        b(out.subarray(X25519_BYTES)),
        b(message),
        b(nonce),
        b(publicKey),
        b(ephemeralSecretKey),
      );
      return out;
    } finally {
      wipe(ephemeralSecretKey);
    }
  }

  const keyPair = (
    publicKeyBytes: number,
    secretKeyBytes: number,
    fill: (pk: Buffer, sk: Buffer) => void,
  ): KeyPairBytes => {
    const publicKey = new Uint8Array(publicKeyBytes);
    const secretKey = new Uint8Array(secretKeyBytes);
    fill(b(publicKey), b(secretKey));
    return { publicKey, secretKey };
  };

  return {
    implementation: 'sodium-native',
    randomBytes: random,
    secretbox(message, nonce, key) {
      const out = new Uint8Array(message.length + sodium.crypto_secretbox_MACBYTES);
      sodium.crypto_secretbox_easy(b(out), b(message), b(nonce), b(key));
      return out;
    },
    secretboxOpen(box, nonce, key) {
      if (box.length < sodium.crypto_secretbox_MACBYTES) return undefined;
      const out = new Uint8Array(box.length - sodium.crypto_secretbox_MACBYTES);
      return sodium.crypto_secretbox_open_easy(b(out), b(box), b(nonce), b(key)) ? out : undefined;
    },
    sealedBox(message, publicKey) {
      if (randomBytes) return sealWithEphemeralKey(message, publicKey);
      const out = new Uint8Array(message.length + sodium.crypto_box_SEALBYTES);
      sodium.crypto_box_seal(b(out), b(message), b(publicKey));
      return out;
    },
    sealedBoxOpen(sealed, publicKey, secretKey) {
      if (sealed.length < sodium.crypto_box_SEALBYTES) return undefined;
      const out = new Uint8Array(sealed.length - sodium.crypto_box_SEALBYTES);
      return sodium.crypto_box_seal_open(b(out), b(sealed), b(publicKey), b(secretKey)) ? out : undefined;
    },
    sign(message, secretKey) {
      const signature = new Uint8Array(sodium.crypto_sign_BYTES);
      sodium.crypto_sign_detached(b(signature), b(message), b(secretKey));
      return signature;
    },
    verify: (message, signature, publicKey) =>
      signature.length === sodium.crypto_sign_BYTES &&
      sodium.crypto_sign_verify_detached(b(signature), b(message), b(publicKey)),
    boxKeyPair: () => keyPair(X25519_BYTES, X25519_BYTES, (pk, sk) => sodium.crypto_box_keypair(pk, sk)),
    boxKeyPairFromSeed: (seed) =>
      keyPair(X25519_BYTES, X25519_BYTES, (pk, sk) => sodium.crypto_box_seed_keypair(pk, sk, b(seed))),
    signKeyPair: () =>
      keyPair(sodium.crypto_sign_PUBLICKEYBYTES, sodium.crypto_sign_SECRETKEYBYTES, (pk, sk) =>
        sodium.crypto_sign_keypair(pk, sk),
      ),
    signKeyPairFromSeed: (seed) =>
      keyPair(sodium.crypto_sign_PUBLICKEYBYTES, sodium.crypto_sign_SECRETKEYBYTES, (pk, sk) =>
        sodium.crypto_sign_seed_keypair(pk, sk, b(seed)),
      ),
    blake2b(outputLength, input) {
      const out = new Uint8Array(outputLength);
      sodium.crypto_generichash(b(out), b(input));
      return out;
    },
    wipe,
  };
}

export function createSodiumEnvelopeCrypto(): EnvelopeCrypto {
  return createEnvelopeCrypto(sodiumPrimitives());
}
