import type { AvroCodec, DeliveryEvent, DeliveryStatus } from '@smis/contracts';
import type { OutboxEntry } from '@smis/persistence';
import { randomUUID } from 'node:crypto';
import type { BroadcastProgress, BroadcastRecordTypes } from './contracts/records';

export const PRODUCER = 'broadcast';

/** Reason codes (no personal data). */
export const REASONS = {
  unknownSender: 'broadcast.unknown-sender',
  badSignature: 'broadcast.bad-signature',
  notAllowed: 'broadcast.not-allowed',
  categoryNotAllowed: 'broadcast.category-not-allowed',
  invalidAudience: 'broadcast.invalid-audience',
  tooLarge: 'broadcast.envelope-too-large',
  expired: 'broadcast.expired',
  quietHours: 'policy.quiet-hours',
  listIncomplete: 'broadcast.list-incomplete',
  listDigest: 'broadcast.list-digest-mismatch',
  listTooLarge: 'broadcast.list-too-large',
  cancelled: 'broadcast.cancelled',
} as const;

/** A lifecycle status of the whole broadcast (messageId = broadcastId), for the status service. */
export async function lifecycleEvent(
  codec: AvroCodec,
  topic: string,
  facts: { broadcastId: string; senderId: string },
  status: DeliveryStatus,
  reason: string | null = null,
): Promise<OutboxEntry> {
  const event: DeliveryEvent = {
    eventId: randomUUID(),
    messageId: facts.broadcastId,
    senderId: facts.senderId,
    status,
    channel: status === 'DISPATCHED' ? 'APP' : null,
    reason,
    fromChannel: null,
    toChannel: null,
    deviceId: null,
    planId: null,
    attempt: null,
    occurredAt: Date.now(),
    producer: PRODUCER,
  };
  return { topic, key: facts.broadcastId, value: await codec.encode('DeliveryEvent', event) };
}

export async function progressRecord(
  codec: AvroCodec<BroadcastRecordTypes>,
  topic: string,
  progress: BroadcastProgress,
): Promise<OutboxEntry> {
  return { topic, key: progress.broadcastId, value: await codec.encode('BroadcastProgress', progress) };
}
