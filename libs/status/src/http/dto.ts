import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Channel, DeliveryStatus } from '@smis/contracts';
import type { AggregateStatus } from '../domain/status-precedence';
import type { SubscriptionDelivery } from '../entities';
import { SUBSCRIBABLE_EVENT_TYPES } from '../usecases/validation';
import type {
  ChannelStatusView,
  FallbackView,
  MessageStatusView,
  StatusEventView,
  SubscriptionView,
  SubscriptionWithSecretView,
  TestWebhookResult,
} from '../views';

// OpenAPI shapes of the status API; the use cases return the plain view types they implement.

const CHANNELS = ['APP', 'SMS', 'EMAIL'];
const AGGREGATE_STATUSES = [
  'ACCEPTED',
  'DEFERRED',
  'ROUTED',
  'DISPATCHED',
  'FAILED',
  'EXPIRED',
  'REJECTED',
  'DELIVERED',
  'READ',
];
const DELIVERY_MODES = ['topic', 'webhook', 'both'];

export class ChannelStatusDto implements ChannelStatusView {
  @ApiProperty({ enum: CHANNELS }) channel!: Channel;
  @ApiProperty({ enum: AGGREGATE_STATUSES }) status!: AggregateStatus;
  @ApiProperty({ type: String, nullable: true, example: 'app.no-device' }) reason!: string | null;
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
}

export class FallbackDto implements FallbackView {
  @ApiProperty({ enum: CHANNELS, nullable: true }) from!: Channel | null;
  @ApiProperty({ enum: CHANNELS, nullable: true }) to!: Channel | null;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
}

export class StatusEventDto implements StatusEventView {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ enum: [...SUBSCRIBABLE_EVENT_TYPES, 'UNKNOWN'] }) status!: DeliveryStatus;
  @ApiProperty({ enum: CHANNELS, nullable: true }) channel!: Channel | null;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
  @ApiProperty({ enum: CHANNELS, nullable: true }) fromChannel!: Channel | null;
  @ApiProperty({ enum: CHANNELS, nullable: true }) toChannel!: Channel | null;
  @ApiProperty({ type: Number, nullable: true }) attempt!: number | null;
  @ApiProperty({ example: 'app-channel' }) producer!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ format: 'date-time' }) receivedAt!: string;
}

export class MessageStatusDto implements MessageStatusView {
  @ApiProperty({ format: 'uuid' }) messageId!: string;
  @ApiProperty({ example: 'tax-office' }) senderId!: string;
  @ApiProperty({
    enum: AGGREGATE_STATUSES,
    nullable: true,
    description: 'Aggregated status; moves only forward (see docs/adr/0800-status-precedence.md)',
  })
  status!: AggregateStatus | null;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) statusAt!: string | null;
  @ApiProperty({ type: [ChannelStatusDto] }) channels!: ChannelStatusDto[];
  @ApiProperty({ type: [FallbackDto] }) fallbacks!: FallbackDto[];
  @ApiProperty({ type: [StatusEventDto], description: 'Every distinct event, in the order they happened' })
  history!: StatusEventDto[];
}

export class SubscriptionDto implements SubscriptionView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() senderId!: string;
  @ApiProperty({ enum: SUBSCRIBABLE_EVENT_TYPES, isArray: true }) eventTypes!: DeliveryStatus[];
  @ApiProperty({ enum: DELIVERY_MODES }) delivery!: SubscriptionDelivery;
  @ApiProperty({ type: String, nullable: true, example: 'https://tax.example/smis/webhooks' }) webhookUrl!:
    string | null;
  @ApiProperty({ description: 'False after the webhook exhausted its retry window, or when paused' })
  enabled!: boolean;
  @ApiProperty({ type: String, nullable: true }) disabledReason!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) disabledAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class SubscriptionWithSecretDto extends SubscriptionDto implements SubscriptionWithSecretView {
  @ApiPropertyOptional({
    description: 'The webhook signing secret, shown only when generated (creation, rotation); store it now',
    example: 'whsec_3q2+7w...',
  })
  secret?: string;
}

export class CreateSubscriptionDto {
  @ApiPropertyOptional({
    enum: SUBSCRIBABLE_EVENT_TYPES,
    isArray: true,
    description: 'Default: every status',
  })
  eventTypes?: string[];
  @ApiPropertyOptional({
    enum: DELIVERY_MODES,
    description: 'Default: webhook when a URL is given, topic otherwise',
  })
  delivery?: SubscriptionDelivery;
  @ApiPropertyOptional({ description: 'https URL receiving signed POSTs' }) webhookUrl?: string;
}

export class UpdateSubscriptionDto {
  @ApiPropertyOptional({ enum: SUBSCRIBABLE_EVENT_TYPES, isArray: true }) eventTypes?: string[];
  @ApiPropertyOptional({ enum: DELIVERY_MODES }) delivery?: SubscriptionDelivery;
  @ApiPropertyOptional({ type: String, nullable: true }) webhookUrl?: string | null;
  @ApiPropertyOptional({ description: 'true re-enables a disabled subscription; false pauses its webhook' })
  enabled?: boolean;
  @ApiPropertyOptional({ description: 'true replaces the signing secret (returned once)' })
  rotateSecret?: boolean;
}

export class TestWebhookResultDto implements TestWebhookResult {
  @ApiProperty({ format: 'uuid' }) subscriptionId!: string;
  @ApiProperty({ format: 'uuid', description: 'The test event id, also its Idempotency-Key' })
  eventId!: string;
  @ApiProperty({ description: 'Whether the receiver answered 2xx' }) delivered!: boolean;
  @ApiProperty({ type: Number, nullable: true }) statusCode!: number | null;
  @ApiProperty({ type: String, nullable: true, example: 'HTTP 401' }) error!: string | null;
  @ApiProperty() durationMs!: number;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "The first 512 characters of the receiver's answer",
  })
  responseBody!: string | null;
}

export class ProblemDetailsDto {
  @ApiProperty() type!: string;
  @ApiProperty() title!: string;
  @ApiProperty() status!: number;
  @ApiProperty() detail!: string;
  @ApiPropertyOptional() instance?: string;
  @ApiPropertyOptional({ description: 'Invalid fields', type: 'array', items: { type: 'object' } })
  errors?: Array<{ field: string; message: string }>;
}
