import {
  BadSignatureError,
  createTweetnaclEnvelopeCrypto,
  EnvelopeExpiredError,
  UnknownSenderKeyError,
  type EnvelopeCrypto,
} from '@smis/crypto';
import { decodeContent, type MessageContent } from '@smis/message-content';
import type { MessageEnvelope, SenderDirectoryEntry } from '../api/app-channel';
import { fromBase64 } from '../lib/bytes';
import type { DeviceKeys } from './device-keys';

export interface OpenedMessage {
  messageId: string;
  /** The directory entry of the sender whose key verified the signature. */
  sender: SenderDirectoryEntry;
  senderKeyId: string;
  createdAt: number;
  expiresAt?: number;
  content: MessageContent;
}

export class MessageOpenError extends Error {
  constructor(
    readonly reason: 'unknown-sender' | 'bad-signature' | 'expired' | 'invalid' | 'mismatch',
    message: string,
  ) {
    super(message);
    this.name = 'MessageOpenError';
  }
}

/** The Ed25519 key of (senderId, keyId) in the published directory, if valid at `now`. */
export function senderKeyLookup(directory: readonly SenderDirectoryEntry[], now: number) {
  return (senderId: string, keyId: string): Uint8Array | undefined => {
    const entry = directory.find((s) => s.senderId === senderId);
    const key = entry?.signingKeys.find(
      (k) => k.keyId === keyId && (k.notAfter === null || Date.parse(k.notAfter) > now),
    );
    return key ? fromBase64(key.publicKey) : undefined;
  };
}

/**
 * Opens an envelope: signature against the sender directory first (nothing is shown from an
 * unverified envelope), then the key wrap with this device's X25519 key, then the content format.
 * The envelope's sender and message id must match what the inbox said.
 */
export function openMessage(
  fetched: MessageEnvelope,
  keys: DeviceKeys,
  directory: readonly SenderDirectoryEntry[],
  now: number = Date.now(),
  crypto: EnvelopeCrypto = createTweetnaclEnvelopeCrypto(),
): OpenedMessage {
  let opened;
  try {
    opened = crypto.open(fromBase64(fetched.envelope), keys.encryption, {
      lookupSenderKey: senderKeyLookup(directory, now),
      now,
    });
  } catch (error) {
    const reason =
      error instanceof UnknownSenderKeyError
        ? 'unknown-sender'
        : error instanceof BadSignatureError
          ? 'bad-signature'
          : error instanceof EnvelopeExpiredError
            ? 'expired'
            : 'invalid';
    throw new MessageOpenError(reason, (error as Error).message);
  }
  if (opened.senderId !== fetched.senderId || opened.messageId !== fetched.messageId)
    throw new MessageOpenError('mismatch', 'The envelope does not belong to this inbox entry');
  const sender = directory.find((s) => s.senderId === opened.senderId) as SenderDirectoryEntry;
  let content: MessageContent;
  try {
    content = decodeContent(opened.content);
  } catch (error) {
    throw new MessageOpenError('invalid', (error as Error).message);
  }
  return {
    messageId: opened.messageId,
    sender,
    senderKeyId: opened.senderKeyId,
    createdAt: opened.createdAt,
    expiresAt: opened.expiresAt,
    content,
  };
}
