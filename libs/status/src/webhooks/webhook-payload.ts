import type { Channel, DeliveryEvent, DeliveryStatus, MessageStatus } from '@smis/contracts';

/** What a sender learns of a delivery event: never the device, the plan or the producer. */
export function toMessageStatus(event: DeliveryEvent): MessageStatus {
  return {
    eventId: event.eventId,
    messageId: event.messageId,
    senderId: event.senderId,
    status: event.status,
    channel: event.channel,
    reason: event.reason,
    fromChannel: event.fromChannel,
    toChannel: event.toChannel,
    occurredAt: event.occurredAt,
  };
}

/** The JSON body of a status webhook (`type: message.status`). */
export interface StatusWebhookBody {
  type: 'message.status';
  eventId: string;
  messageId: string;
  senderId: string;
  status: DeliveryStatus;
  channel: Channel | null;
  reason: string | null;
  fromChannel: Channel | null;
  toChannel: Channel | null;
  /** ISO 8601, UTC. */
  occurredAt: string;
}

/** The JSON body of a test webhook (`type: webhook.test`), sent on request by the sender. */
export interface TestWebhookBody {
  type: 'webhook.test';
  eventId: string;
  senderId: string;
  subscriptionId: string;
  occurredAt: string;
}

export function statusWebhookBody(status: MessageStatus): string {
  const body: StatusWebhookBody = {
    type: 'message.status',
    eventId: status.eventId,
    messageId: status.messageId,
    senderId: status.senderId,
    status: status.status,
    channel: status.channel,
    reason: status.reason,
    fromChannel: status.fromChannel,
    toChannel: status.toChannel,
    occurredAt: new Date(status.occurredAt).toISOString(),
  };
  return JSON.stringify(body);
}

export function testWebhookBody(test: Omit<TestWebhookBody, 'type'>): string {
  const body: TestWebhookBody = { type: 'webhook.test', ...test };
  return JSON.stringify(body);
}
