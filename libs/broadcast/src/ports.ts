import type { PolymorphicPseudonym } from '@smis/pseudonym';
import type { SenderRegistry } from '@smis/senders';
import type { PushProviderKind } from './config';

export type AudienceKindStored = 'EVERYONE' | 'REGIONS' | 'LIST';

/** A verified broadcast handed to the app channel to store once. */
export interface StagedBroadcast {
  broadcastId: string;
  senderId: string;
  senderKeyId: string;
  category: string;
  priority: 'LOW' | 'NORMAL' | 'URGENT';
  audience: AudienceKindStored;
  regions: readonly string[];
  envelope: Buffer;
  signature: Buffer;
  signingInput: Buffer;
  createdAt: number;
  expiresAt: number;
}

export interface PushTarget {
  /** Resume point of the device stream (after this one). */
  cursor: string;
  deviceId: string;
  provider: PushProviderKind;
  token: string;
}

export interface PushRequest {
  messageId: string;
  priority: 'LOW' | 'NORMAL' | 'URGENT';
  ttlSeconds: number;
}

export type PushResult =
  | { kind: 'sent' }
  | { kind: 'gone'; reason: string }
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  | { kind: 'failed'; reason: string };

/**
 * What the broadcast service needs from the app channel (ADR 1100); implemented in-process by
 * `BroadcastDeliveryService` of @smis/app-channel (token BROADCAST_DELIVERY).
 */
export interface BroadcastDeliveryPort {
  stage(broadcast: StagedBroadcast): Promise<void>;
  addRecipients(
    broadcastId: string,
    recipients: readonly PolymorphicPseudonym[],
  ): Promise<{ filed: number; unresolved: number }>;
  publish(broadcastId: string): Promise<void>;
  cancel(broadcastId: string): Promise<void>;
  topicsFor(broadcastId: string): Promise<string[]>;
  sendToTopic(broadcastId: string, topic: string): Promise<PushResult>;
  devicePage(
    broadcastId: string,
    after: string | null,
    limit: number,
    exclude?: readonly PushProviderKind[],
  ): Promise<PushTarget[]>;
  push(target: PushTarget, notification: PushRequest): Promise<PushResult>;
  /** Active devices in the audience (a count over the devices: once per run). */
  devicesTargeted(broadcastId: string): Promise<number>;
  /** Distinct devices that fetched (delivered) and opened (read) it. */
  receipts(broadcastId: string): Promise<{ delivered: number; read: number }>;
}

export interface BroadcastPorts {
  /** The sender directory: broadcast permission, categories, quiet hours, signing keys. */
  senders: SenderRegistry;
  delivery: BroadcastDeliveryPort;
}
