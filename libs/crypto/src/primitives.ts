/**
 * The NaCl/libsodium operations the envelope needs, as one seam with two implementations
 * (sodium-native, tweetnacl). All inputs and outputs are plain Uint8Arrays.
 */
export type RandomBytes = (length: number) => Uint8Array;

export interface KeyPairBytes {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

export interface NaclPrimitives {
  readonly implementation: 'sodium-native' | 'tweetnacl';
  randomBytes: RandomBytes;
  /** crypto_secretbox_easy (XSalsa20-Poly1305): MAC || ciphertext. */
  secretbox(message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array;
  secretboxOpen(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | undefined;
  /** crypto_box_seal: ephemeral pk || box(message, nonce = BLAKE2b-192(epk || pk)). */
  sealedBox(message: Uint8Array, publicKey: Uint8Array): Uint8Array;
  sealedBoxOpen(sealed: Uint8Array, publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array | undefined;
  /** Ed25519 (crypto_sign_detached) with a 64-byte secret key. */
  sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean;
  boxKeyPair(): KeyPairBytes;
  boxKeyPairFromSeed(seed: Uint8Array): KeyPairBytes;
  signKeyPair(): KeyPairBytes;
  signKeyPairFromSeed(seed: Uint8Array): KeyPairBytes;
  /** Unkeyed BLAKE2b (crypto_generichash). */
  blake2b(outputLength: number, input: Uint8Array): Uint8Array;
  /** Overwrites secret material. */
  wipe(bytes: Uint8Array): void;
}
