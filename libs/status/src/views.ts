import type { Channel, DeliveryStatus } from '@smis/contracts';
import type { AggregateStatus } from './domain/status-precedence';
import type { SubscriptionDelivery } from './entities';

/** Times are ISO 8601 strings (UTC) in every view. */
export interface ChannelStatusView {
  channel: Channel;
  status: AggregateStatus;
  reason: string | null;
  eventId: string;
  occurredAt: string;
}

export interface FallbackView {
  from: Channel | null;
  to: Channel | null;
  reason: string | null;
  eventId: string;
  occurredAt: string;
}

export interface StatusEventView {
  eventId: string;
  status: DeliveryStatus;
  channel: Channel | null;
  reason: string | null;
  fromChannel: Channel | null;
  toChannel: Channel | null;
  attempt: number | null;
  producer: string;
  occurredAt: string;
  receivedAt: string;
}

export interface MessageStatusView {
  messageId: string;
  senderId: string;
  /** The aggregated status; null while only FALLBACK (or newer, unknown) events are known. */
  status: AggregateStatus | null;
  reason: string | null;
  statusAt: string | null;
  channels: ChannelStatusView[];
  fallbacks: FallbackView[];
  /** Every distinct event, in the order they happened. */
  history: StatusEventView[];
}

export interface SubscriptionView {
  id: string;
  senderId: string;
  eventTypes: DeliveryStatus[];
  delivery: SubscriptionDelivery;
  webhookUrl: string | null;
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A subscription as created or after a secret rotation: the secret is shown this once. */
export interface SubscriptionWithSecretView extends SubscriptionView {
  /** The webhook signing secret; present only when just generated. */
  secret?: string;
}

export interface TestWebhookResult {
  subscriptionId: string;
  /** The test event's id (also its Idempotency-Key). */
  eventId: string;
  /** Whether the receiver answered 2xx. */
  delivered: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** The first 512 characters of the receiver's answer. */
  responseBody: string | null;
}
