import type { AvroCodec, DeliveryEvent, DeliveryStatus } from '@smis/contracts';
import type { OutboxEntry } from '@smis/persistence';
import { randomUUID } from 'node:crypto';

export const PRODUCER = 'app-channel';

/** Reason codes of the app channel's FAILED and EXPIRED events (no personal data). */
export const REASONS = {
  noDevice: 'app.no-device',
  pushFailed: 'app.push-failed',
  noPushTarget: 'app.no-push-target',
  invalidRecipient: 'app.invalid-recipient',
  malformedEnvelope: 'app.malformed-envelope',
  expired: 'app.expired-before-delivery',
} as const;

export interface EventFacts {
  messageId: string;
  senderId: string;
  planId: string | null;
  attempt: number | null;
}

/** One DeliveryEvent as an outbox entry for the events topic (key messageId). */
export async function deliveryEvent(
  codec: AvroCodec,
  topic: string,
  facts: EventFacts,
  status: DeliveryStatus,
  extra: { reason?: string; deviceId?: string; occurredAt?: number } = {},
): Promise<OutboxEntry> {
  const event: DeliveryEvent = {
    eventId: randomUUID(),
    messageId: facts.messageId,
    senderId: facts.senderId,
    status,
    channel: 'APP',
    reason: extra.reason ?? null,
    fromChannel: null,
    toChannel: null,
    deviceId: extra.deviceId ?? null,
    planId: facts.planId,
    attempt: facts.attempt,
    occurredAt: extra.occurredAt ?? Date.now(),
    producer: PRODUCER,
  };
  return { topic, key: facts.messageId, value: await codec.encode('DeliveryEvent', event) };
}
