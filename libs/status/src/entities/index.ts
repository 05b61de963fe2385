import { OutboxRecord } from '@smis/persistence';
import { ChannelStatusRecord } from './channel-status.entity';
import { MessageStatusRecord } from './message-status.entity';
import { StatusEventRecord } from './status-event.entity';
import { SubscriptionRecord } from './subscription.entity';
import { WebhookDeliveryRecord } from './webhook-delivery.entity';

export {
  ChannelStatusRecord,
  MessageStatusRecord,
  StatusEventRecord,
  SubscriptionRecord,
  WebhookDeliveryRecord,
};
export type { SubscriptionDelivery } from './subscription.entity';
export type { WebhookDeliveryState } from './webhook-delivery.entity';

export const STATUS_ENTITIES = [
  OutboxRecord,
  MessageStatusRecord,
  ChannelStatusRecord,
  StatusEventRecord,
  SubscriptionRecord,
  WebhookDeliveryRecord,
];
