import type { Channel, ContentMetadata, ContentPartKind, MessageRequest, Priority } from '@smis/contracts';
import { messageRequestSigningInput } from '@smis/contracts';
import {
  blake2b,
  encodeEnvelope,
  type DevicePublicKey,
  type EnvelopeCrypto,
  type SenderKeyPair,
} from '@smis/crypto';
import type { ContentSize } from '@smis/message-content';
import type { KeyObject } from 'node:crypto';
import { ed25519Sign } from './signing-key';
import type { EmailText } from './types';

/** Output length of the content digest: BLAKE2b-256. */
export const CONTENT_DIGEST_BYTES = 32;

/**
 * The keyed content digest (ADR 5): BLAKE2b-256 keyed with the sender's digest key over the
 * encoded content. Same content and key, same digest (duplicate suppression); without the key
 * the platform cannot test guesses of the content against it.
 */
export function contentDigest(content: Uint8Array, digestKey: Uint8Array): Buffer {
  return Buffer.from(blake2b(CONTENT_DIGEST_BYTES, [content], digestKey));
}

const PART_KINDS: Record<ContentSize['parts'][number]['kind'], ContentPartKind> = {
  text: 'TEXT',
  qr: 'QR',
  image: 'IMAGE',
  ebox: 'EBOX_LINK',
  wallet: 'WALLET_OFFER',
};

export function contentMetadata(size: ContentSize): ContentMetadata {
  return {
    languages: [...size.languages],
    parts: size.parts.map((part) => ({ kind: PART_KINDS[part.kind], sizeBytes: part.sizeBytes })),
    totalSizeBytes: size.totalSizeBytes,
  };
}

/** The e-mail fallback as the e-mail channel opens it: UTF-8 JSON `{"subject","body"}` (ADR 1000). */
export function emailFallbackText(email: EmailText): string {
  return JSON.stringify({ subject: email.subject, body: email.body });
}

export interface SenderKeys {
  readonly senderId: string;
  readonly signingKey: SenderKeyPair;
  /** node:crypto form of signingKey. */
  readonly privateKey: KeyObject;
  readonly digestKey: Uint8Array;
  readonly channelKeys: { readonly sms: Uint8Array; readonly email: Uint8Array };
}

export interface RequestParts {
  readonly messageId: string;
  readonly idempotencyKey: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** The polymorphic pseudonym, raw (64 bytes). */
  readonly recipient: Uint8Array;
  readonly category: string;
  readonly priority: Priority;
  readonly fallbackWindowSeconds: number;
  readonly allowedChannels: readonly Channel[];
  /** encodeContent(content). */
  readonly content: Uint8Array;
  readonly contentSize: ContentSize;
  /** The citizen's devices; none: the envelope is empty and the router goes to the fallbacks. */
  readonly devices: readonly DevicePublicKey[];
  readonly smsText?: string;
  readonly emailText?: EmailText;
}

/**
 * Seals the content once for every device, seals the fallbacks to their channels, digests and
 * signs: the whole MessageRequest, ready to publish.
 */
export function buildMessageRequest(
  parts: RequestParts,
  keys: SenderKeys,
  crypto: EnvelopeCrypto,
): MessageRequest {
  const envelope =
    parts.devices.length === 0
      ? Buffer.alloc(0)
      : Buffer.from(
          encodeEnvelope(
            crypto.seal(
              {
                senderId: keys.senderId,
                messageId: parts.messageId,
                createdAt: parts.createdAt,
                expiresAt: parts.expiresAt,
                content: parts.content,
                recipients: parts.devices,
              },
              keys.signingKey,
            ),
          ),
        );
  const seal = (text: string, channelKey: Uint8Array): Buffer =>
    Buffer.from(
      crypto.sealFallbackText(
        { senderId: keys.senderId, messageId: parts.messageId, text },
        channelKey,
        keys.signingKey,
      ),
    );
  const unsigned: Omit<MessageRequest, 'signature'> = {
    messageId: parts.messageId,
    senderId: keys.senderId,
    senderKeyId: keys.signingKey.keyId,
    idempotencyKey: parts.idempotencyKey,
    createdAt: parts.createdAt,
    expiresAt: parts.expiresAt,
    recipient: Buffer.from(parts.recipient),
    category: parts.category,
    priority: parts.priority,
    fallbackWindowSeconds: parts.fallbackWindowSeconds,
    allowedChannels: [...parts.allowedChannels],
    envelope,
    smsFallback: parts.smsText === undefined ? null : seal(parts.smsText, keys.channelKeys.sms),
    emailFallback:
      parts.emailText === undefined ? null : seal(emailFallbackText(parts.emailText), keys.channelKeys.email),
    content: contentMetadata(parts.contentSize),
    contentDigest: contentDigest(parts.content, keys.digestKey),
  };
  return { ...unsigned, signature: ed25519Sign(messageRequestSigningInput(unsigned), keys.privateKey) };
}
