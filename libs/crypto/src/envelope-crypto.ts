/**
 * Seal / open logic shared by both implementations; only the primitives differ. Keeping one
 * copy is what makes "same bytes on both sides" hold by construction, the vectors check it.
 * Browser-safe: imports no Node module.
 */
import { toHex } from './bytes';
import {
  BadSignatureError,
  EnvelopeExpiredError,
  MalformedEnvelopeError,
  NotAddressedToDeviceError,
  TamperedCiphertextError,
  UnknownSenderKeyError,
} from './errors';
import type { NaclPrimitives } from './primitives';
import type {
  ChannelKeyPair,
  DeviceKeyPair,
  DevicePublicKey,
  EnvelopeCrypto,
  FallbackTextRequest,
  KeyId,
  KeyWrap,
  OpenedEnvelope,
  OpenedFallbackText,
  OpenOptions,
  SealedEnvelope,
  SealRequest,
  SenderKeyLookup,
  SenderKeyPair,
  UnsignedEnvelope,
} from './types';
import {
  CONTENT_KEY_BYTES,
  decodeEnvelope,
  decodeFallbackText,
  encodeFallbackText,
  envelopeSigningBuffer,
  envelopeSignedMessage,
  fallbackTextSignedMessage,
  MAX_CONTENT_BYTES,
  MAX_WRAPS,
  NONCE_BYTES,
  SEALED_BOX_OVERHEAD,
  SIGNATURE_BYTES,
} from './wire-format';

const KEY_ID_HASH_BYTES = 32;
const PUBLIC_KEY_BYTES = 32;
const SEED_BYTES = 32;

function requireLength(bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new RangeError(
      `${what} must be ${length} bytes, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`,
    );
  }
}

export function createEnvelopeCrypto(p: NaclPrimitives): EnvelopeCrypto {
  /** First 8 bytes of BLAKE2b-256 of the public key, as hex. */
  function keyIdOf(publicKey: Uint8Array): KeyId {
    requireLength(publicKey, PUBLIC_KEY_BYTES, 'public key');
    return toHex(p.blake2b(KEY_ID_HASH_BYTES, publicKey).subarray(0, 8));
  }

  function withKeyId(pair: { publicKey: Uint8Array; secretKey: Uint8Array }): DeviceKeyPair & SenderKeyPair {
    return { keyId: keyIdOf(pair.publicKey), publicKey: pair.publicKey, secretKey: pair.secretKey };
  }

  function canonicalRecipients(recipients: readonly DevicePublicKey[]): DevicePublicKey[] {
    if (recipients.length < 1 || recipients.length > MAX_WRAPS) {
      throw new RangeError(`an envelope needs 1..${MAX_WRAPS} recipient devices, got ${recipients.length}`);
    }
    for (const r of recipients) {
      requireLength(r.publicKey, PUBLIC_KEY_BYTES, `public key of device ${r.keyId}`);
      const expected = keyIdOf(r.publicKey);
      if (r.keyId !== expected) {
        throw new RangeError(
          `device key id ${r.keyId} does not match its public key (expected ${expected}): the key directory entry is corrupt`,
        );
      }
    }
    const sorted = [...recipients].sort((a, b) => (a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : 0));
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i].keyId === sorted[i - 1].keyId)
        throw new RangeError(`device key ${sorted[i].keyId} is listed twice`);
    }
    return sorted;
  }

  function requireSender(sender: SenderKeyPair): void {
    requireLength(sender.secretKey, 64, 'sender secret key');
    requireLength(sender.publicKey, PUBLIC_KEY_BYTES, 'sender public key');
  }

  function senderPublicKey(
    lookup: SenderKeyLookup,
    senderId: string,
    keyId: KeyId,
    messageId: string,
  ): Uint8Array {
    const publicKey = lookup(senderId, keyId);
    if (!publicKey || publicKey.length !== PUBLIC_KEY_BYTES)
      throw new UnknownSenderKeyError({ senderId, keyId, messageId });
    return publicKey;
  }

  function seal(request: SealRequest, sender: SenderKeyPair): SealedEnvelope {
    requireSender(sender);
    if (request.content.length > MAX_CONTENT_BYTES) {
      throw new RangeError(
        `content must be at most ${MAX_CONTENT_BYTES} bytes, got ${request.content.length}`,
      );
    }
    const recipients = canonicalRecipients(request.recipients);
    // Order of random draws (content key, nonce, then one ephemeral key per wrap in key-id
    // order) is part of the deterministic test-vector contract: keep it.
    const contentKey = p.randomBytes(CONTENT_KEY_BYTES);
    const nonce = p.randomBytes(NONCE_BYTES);
    try {
      const ciphertext = p.secretbox(request.content, nonce, contentKey);
      const wraps: KeyWrap[] = recipients.map((r) => ({
        deviceKeyId: r.keyId,
        sealedKey: p.sealedBox(contentKey, r.publicKey),
      }));
      const unsigned: UnsignedEnvelope = {
        version: 1,
        senderId: request.senderId,
        senderKeyId: sender.keyId,
        messageId: request.messageId,
        createdAt: request.createdAt ?? Date.now(),
        expiresAt: request.expiresAt,
        nonce,
        ciphertext,
        wraps,
      };
      const buffer = envelopeSigningBuffer(unsigned);
      const signature = p.sign(buffer.subarray(0, buffer.length - SIGNATURE_BYTES), sender.secretKey);
      return { ...unsigned, signature };
    } finally {
      p.wipe(contentKey);
    }
  }

  function open(
    envelope: Uint8Array | SealedEnvelope,
    device: DeviceKeyPair,
    options: OpenOptions,
  ): OpenedEnvelope {
    const env = envelope instanceof Uint8Array ? decodeEnvelope(envelope) : envelope;
    const context = { senderId: env.senderId, keyId: env.senderKeyId, messageId: env.messageId };
    const publicKey = senderPublicKey(options.lookupSenderKey, env.senderId, env.senderKeyId, env.messageId);
    if (!p.verify(envelopeSignedMessage(env), env.signature, publicKey)) throw new BadSignatureError(context);
    const now = options.now ?? Date.now();
    if (env.expiresAt !== undefined && now >= env.expiresAt)
      throw new EnvelopeExpiredError(env.expiresAt, now, context);
    const wrap = env.wraps.find((w) => w.deviceKeyId === device.keyId);
    if (!wrap)
      throw new NotAddressedToDeviceError({
        messageId: env.messageId,
        senderId: env.senderId,
        keyId: device.keyId,
      });
    const contentKey = p.sealedBoxOpen(wrap.sealedKey, device.publicKey, device.secretKey);
    if (!contentKey || contentKey.length !== CONTENT_KEY_BYTES) {
      throw new TamperedCiphertextError(
        'key-wrap',
        `the key wrap for device ${device.keyId} does not open with this device's key`,
        context,
      );
    }
    try {
      const content = p.secretboxOpen(env.ciphertext, env.nonce, contentKey);
      if (!content)
        throw new TamperedCiphertextError(
          'content',
          'the content does not authenticate with the wrapped key',
          context,
        );
      return {
        senderId: env.senderId,
        senderKeyId: env.senderKeyId,
        messageId: env.messageId,
        createdAt: env.createdAt,
        expiresAt: env.expiresAt,
        content,
      };
    } finally {
      p.wipe(contentKey);
    }
  }

  function sealFallbackText(
    request: FallbackTextRequest,
    channelPublicKey: Uint8Array,
    sender: SenderKeyPair,
  ): Uint8Array {
    requireSender(sender);
    requireLength(channelPublicKey, PUBLIC_KEY_BYTES, 'channel public key');
    const unsigned = {
      senderId: request.senderId,
      senderKeyId: sender.keyId,
      messageId: request.messageId,
      text: request.text,
    };
    const signature = p.sign(fallbackTextSignedMessage(unsigned), sender.secretKey);
    const plaintext = encodeFallbackText({ ...unsigned, signature });
    return p.sealedBox(plaintext, channelPublicKey);
  }

  function openFallbackText(
    sealed: Uint8Array,
    channel: ChannelKeyPair,
    lookupSenderKey: SenderKeyLookup,
  ): OpenedFallbackText {
    if (sealed.length < SEALED_BOX_OVERHEAD) {
      throw new MalformedEnvelopeError(
        'truncated',
        `a sealed fallback text has at least ${SEALED_BOX_OVERHEAD} bytes, got ${sealed.length}`,
        0,
      );
    }
    const plaintext = p.sealedBoxOpen(sealed, channel.publicKey, channel.secretKey);
    if (!plaintext)
      throw new TamperedCiphertextError(
        'fallback-text',
        `not sealed to channel key ${channel.keyId}, or altered`,
      );
    const t = decodeFallbackText(plaintext);
    const context = { senderId: t.senderId, keyId: t.senderKeyId, messageId: t.messageId };
    const publicKey = senderPublicKey(lookupSenderKey, t.senderId, t.senderKeyId, t.messageId);
    const { signature, ...unsigned } = t;
    if (!p.verify(fallbackTextSignedMessage(unsigned), signature, publicKey))
      throw new BadSignatureError(context);
    return unsigned;
  }

  return {
    implementation: p.implementation,
    keyIdOf,
    generateDeviceKeyPair: () => withKeyId(p.boxKeyPair()),
    deviceKeyPairFromSeed: (seed) => {
      requireLength(seed, SEED_BYTES, 'seed');
      return withKeyId(p.boxKeyPairFromSeed(seed));
    },
    generateSenderKeyPair: () => withKeyId(p.signKeyPair()),
    senderKeyPairFromSeed: (seed) => {
      requireLength(seed, SEED_BYTES, 'seed');
      return withKeyId(p.signKeyPairFromSeed(seed));
    },
    seal,
    open,
    sealFallbackText,
    openFallbackText,
  };
}
