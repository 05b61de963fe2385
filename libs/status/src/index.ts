// @smis/status: delivery feedback to senders. Aggregated status and history per message,
// per-sender status topics and their ACLs, event subscriptions, signed webhooks.

export { StatusModule, type StatusModuleOptions } from './status.module';
export { StatusService } from './status.service';
export { registerStatusMetrics, statusMetrics } from './metrics';
export {
  loadStatusConfig,
  validateStatusConfig,
  StatusConfigError,
  STATUS_DEFAULTS,
  type StatusConfig,
  type StatusConfigInput,
  type WebhookConfig,
} from './config';
export type {
  ChannelStatusView,
  FallbackView,
  MessageStatusView,
  StatusEventView,
  SubscriptionView,
  SubscriptionWithSecretView,
  TestWebhookResult,
} from './views';
export type { CreateSubscriptionInput } from './usecases/create-subscription/create-subscription.command';
export type { UpdateSubscriptionInput } from './usecases/update-subscription/update-subscription.command';
export type { SubscriptionDelivery } from './entities';
export { SUBSCRIBABLE_EVENT_TYPES } from './usecases/validation';
export { ConflictError, InvalidCommandError, NotFoundError, StatusError, type FieldProblem } from './errors';

// Precedence of statuses (docs/adr/0800-status-precedence.md).
export {
  STATUS_RANK,
  TERMINAL_FAILURES,
  supersedes,
  effectOf,
  foldEvents,
  type AggregateStatus,
  type MessageAggregate,
  type StatusPosition,
} from './domain/status-precedence';

// For webhook receivers (docs/adr/0802-webhook-delivery.md).
export {
  verifyWebhookSignature,
  signWebhook,
  WEBHOOK_HEADERS,
  DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  type VerifyWebhookOptions,
  type WebhookHeaders,
  type WebhookVerification,
} from './webhooks/signature';
export type { StatusWebhookBody, TestWebhookBody } from './webhooks/webhook-payload';
export { WEBHOOK_DEAD_LETTER_HEADERS } from './usecases/deliver-webhooks/deliver-webhooks.usecase';
export { DEFAULT_WEBHOOK_RETRY, type WebhookRetryPolicy } from './webhooks/retry-schedule';
export { WebhookTransport, type WebhookRequest, type WebhookResponse } from './webhooks/webhook-transport';

// HTTP: how the API finds the authenticated sender (docs/adr/0803-status-api-principal.md).
export {
  SenderPrincipalResolver,
  GatewayHeaderPrincipalResolver,
  type SenderPrincipal,
} from './http/sender-principal';

// Provisioning a sender's status topic and ACLs (docs/adr/0801-sender-status-topics-and-acls.md).
export {
  provisionSenderAccess,
  revokeSenderAccess,
  senderAcls,
  senderGroupPrefix,
  SENDER_WRITE_TOPICS,
  type ProvisionedSender,
  type SenderAccess,
} from './provisioning/sender-access';
