import type { Channel, MessageStatus, Priority } from '@smis/contracts';
import type { MessageContent } from '@smis/message-content';
import type { PolymorphicPseudonym } from '@smis/pseudonym';

/** What the key directory (app channel, through the gateway) says about a citizen (ADR 5). */
export interface Reachability {
  /** At least one active device. */
  readonly appInstalled: boolean;
  /** At least one device with notifications on. */
  readonly notificationsEnabled: boolean;
  /** The devices' X25519 public keys (base64) the envelope is sealed to. */
  readonly devices: readonly { readonly keyId: string; readonly publicKey: string }[];
}

/** A citizen: `niss:…`, `tel:…`, a raw NISS or phone number, or a pseudonym from recipientOf(). */
export type Recipient = string | PolymorphicPseudonym;

export interface EmailText {
  readonly subject: string;
  readonly body: string;
}

export interface SendInput {
  readonly recipient: Recipient;
  readonly content: MessageContent;
  /** A category of the sender's policy, for example `health.test-result`. */
  readonly category: string;
  /** Default NORMAL. */
  readonly priority?: Priority;
  /** After it the message is not delivered on any channel. */
  readonly expiresAt: Date | number;
  /** How long the router waits for the app before falling back (default 3600; bounded by policy). */
  readonly fallbackWindowSeconds?: number;
  /** Default: APP, then SMS when smsText is given, then EMAIL when emailText is given. */
  readonly allowedChannels?: readonly Channel[];
  /** The SMS fallback text, sealed to the SMS channel. */
  readonly smsText?: string;
  /** The e-mail fallback, sealed to the e-mail channel. */
  readonly emailText?: EmailText;
  /** Default: the messageId. A second request with the same key is acknowledged, not delivered again. */
  readonly idempotencyKey?: string;
  /** Default: a random UUID. */
  readonly messageId?: string;
}

export interface SendResult {
  readonly messageId: string;
  readonly reachability: Reachability;
}

export type { MessageStatus };
