/**
 * Key id: the first 8 bytes of BLAKE2b-256 (libsodium crypto_generichash, 32-byte digest, no
 * key) of a 32-byte public key, written as 16 lowercase hex characters. 8 raw bytes on the wire.
 * Hex rather than base64url because ids show up in logs, Kafka headers and directory URLs.
 */
export type KeyId = string;

/** A citizen device's X25519 key pair (crypto_box). The secret key never leaves the device. */
export interface DeviceKeyPair {
  readonly keyId: KeyId;
  readonly publicKey: Uint8Array; // 32 bytes
  readonly secretKey: Uint8Array; // 32 bytes
}

/** What a sender knows about a device: its public key (from the key directory). */
export interface DevicePublicKey {
  readonly keyId: KeyId;
  readonly publicKey: Uint8Array; // 32 bytes
}

/** A sender system's Ed25519 signing key pair. */
export interface SenderKeyPair {
  readonly keyId: KeyId;
  readonly publicKey: Uint8Array; // 32 bytes
  readonly secretKey: Uint8Array; // 64 bytes (seed || public key), as libsodium and tweetnacl use it
}

/** A channel service's (SMS, e-mail) X25519 key pair; fallback texts are sealed to it. */
export type ChannelKeyPair = DeviceKeyPair;

/** The published sender directory: the Ed25519 public key for (senderId, keyId), if any. */
export type SenderKeyLookup = (senderId: string, keyId: KeyId) => Uint8Array | undefined;

/** The content key wrapped for one device: a libsodium sealed box of the 32-byte key. */
export interface KeyWrap {
  readonly deviceKeyId: KeyId;
  readonly sealedKey: Uint8Array; // 80 bytes: ephemeral public key (32) || box of the key (48)
}

/** A sealed envelope in decoded form. `encodeEnvelope` / `decodeEnvelope` map it to bytes. */
export interface SealedEnvelope {
  readonly version: 1;
  readonly senderId: string;
  readonly senderKeyId: KeyId;
  readonly messageId: string;
  /** Milliseconds since the Unix epoch. */
  readonly createdAt: number;
  /** Milliseconds since the Unix epoch; absent = does not expire. */
  readonly expiresAt?: number;
  readonly nonce: Uint8Array; // 24 bytes
  readonly ciphertext: Uint8Array; // secretbox: MAC (16) || encrypted content
  /** Sorted by device key id (byte order), unique. */
  readonly wraps: readonly KeyWrap[];
  readonly signature: Uint8Array; // 64 bytes
}

/** Everything but the signature: what the signature covers. */
export type UnsignedEnvelope = Omit<SealedEnvelope, 'signature'>;

export interface SealRequest {
  readonly senderId: string;
  readonly messageId: string;
  /** Defaults to now. */
  readonly createdAt?: number;
  readonly expiresAt?: number;
  readonly content: Uint8Array;
  /** One key wrap per device; duplicates (same key id) are rejected. */
  readonly recipients: readonly DevicePublicKey[];
}

export interface OpenOptions {
  readonly lookupSenderKey: SenderKeyLookup;
  /** Milliseconds since the Unix epoch, for the expiry check. Defaults to now. */
  readonly now?: number;
}

export interface OpenedEnvelope {
  readonly senderId: string;
  readonly senderKeyId: KeyId;
  readonly messageId: string;
  readonly createdAt: number;
  readonly expiresAt?: number;
  readonly content: Uint8Array;
}

export interface FallbackTextRequest {
  readonly senderId: string;
  readonly messageId: string;
  readonly text: string;
}

export interface OpenedFallbackText {
  readonly senderId: string;
  readonly senderKeyId: KeyId;
  readonly messageId: string;
  readonly text: string;
}

/**
 * The envelope operations, implemented twice with the same bytes: `sodium-native` on servers,
 * `tweetnacl` in the app (and as the reference).
 */
export interface EnvelopeCrypto {
  readonly implementation: 'sodium-native' | 'tweetnacl';

  generateDeviceKeyPair(): DeviceKeyPair;
  /** Same as libsodium crypto_box_seed_keypair: secret key = SHA-512(seed)[0..32]. */
  deviceKeyPairFromSeed(seed: Uint8Array): DeviceKeyPair;
  generateSenderKeyPair(): SenderKeyPair;
  /** Same as libsodium crypto_sign_seed_keypair / tweetnacl sign.keyPair.fromSeed. */
  senderKeyPairFromSeed(seed: Uint8Array): SenderKeyPair;
  keyIdOf(publicKey: Uint8Array): KeyId;

  /**
   * Encrypts the content once, wraps its key per device, signs. Throws RangeError for bad keys or
   * recipients, MalformedEnvelopeError for fields the wire format cannot carry (id lengths,
   * timestamps, expiresAt not after createdAt).
   */
  seal(request: SealRequest, sender: SenderKeyPair): SealedEnvelope;
  /** Decodes (when given bytes), checks sender key, signature, expiry, then decrypts. */
  open(envelope: Uint8Array | SealedEnvelope, device: DeviceKeyPair, options: OpenOptions): OpenedEnvelope;

  /** Signs the text for the sender and seals it to the channel service's X25519 key. */
  sealFallbackText(
    request: FallbackTextRequest,
    channelPublicKey: Uint8Array,
    sender: SenderKeyPair,
  ): Uint8Array;
  openFallbackText(
    sealed: Uint8Array,
    channel: ChannelKeyPair,
    lookupSenderKey: SenderKeyLookup,
  ): OpenedFallbackText;
}
