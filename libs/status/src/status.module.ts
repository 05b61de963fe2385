import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { createAvroCodec } from '@smis/contracts';
import { Outbox, openServiceDataSource } from '@smis/persistence';
import type { DataSource } from 'typeorm';
import { validateStatusConfig, type StatusConfig, type StatusConfigInput } from './config';
import { STATUS_ENTITIES } from './entities';
import { MessageStatusController } from './http/status.controller';
import {
  GatewayHeaderPrincipalResolver,
  SenderPrincipalGuard,
  SenderPrincipalResolver,
} from './http/sender-principal';
import { SubscriptionsController } from './http/subscriptions.controller';
import { STATUS_MIGRATIONS } from './migrations';
import { StatusLifecycle } from './status.lifecycle';
import { StatusService } from './status.service';
import { StatusTopics } from './status-topics';
import { SubscriptionStore } from './subscriptions/subscription-store';
import { STATUS_CODEC, STATUS_CONFIG, STATUS_DATA_SOURCE, STATUS_OUTBOX } from './tokens';
import { CreateSubscriptionUseCase } from './usecases/create-subscription/create-subscription.usecase';
import { DeleteSubscriptionUseCase } from './usecases/delete-subscription/delete-subscription.usecase';
import { DeliverWebhooksUseCase } from './usecases/deliver-webhooks/deliver-webhooks.usecase';
import { GetMessageStatusUseCase } from './usecases/get-message-status/get-message-status.usecase';
import { GetSubscriptionUseCase } from './usecases/get-subscription/get-subscription.usecase';
import { ListSubscriptionsUseCase } from './usecases/list-subscriptions/list-subscriptions.usecase';
import { RecordDeliveryEventUseCase } from './usecases/record-delivery-event/record-delivery-event.usecase';
import { TestWebhookUseCase } from './usecases/test-webhook/test-webhook.usecase';
import { UpdateSubscriptionUseCase } from './usecases/update-subscription/update-subscription.usecase';
import { SecretBox } from './webhooks/secret-box';
import { WebhookPoller } from './webhooks/webhook-poller';
import { WebhookQueueSignal } from './webhooks/webhook-queue-signal';
import { FetchWebhookTransport, WebhookTransport } from './webhooks/webhook-transport';

export interface StatusModuleOptions {
  /** How the HTTP API finds the authenticated sender (default: the gateway's header, `principalHeader`). */
  principalResolver?: Type<SenderPrincipalResolver>;
  /** How webhooks are posted (default: Node's fetch). */
  webhookTransport?: Type<WebhookTransport>;
}

/**
 * The status service: consumes delivery events, keeps each message's status and history in its
 * own schema, feeds each sender's status topic and webhooks, and serves `/v1/status`. Needs the
 * global MessagingModule (KafkaClient, MessageProducer, ConsumerRegistry). Exports StatusService.
 */
@Module({})
export class StatusModule {
  static register(input: StatusConfigInput, options: StatusModuleOptions = {}): DynamicModule {
    const config = validateStatusConfig(input);
    return {
      module: StatusModule,
      controllers: [MessageStatusController, SubscriptionsController],
      providers: [
        { provide: STATUS_CONFIG, useValue: config },
        {
          provide: STATUS_DATA_SOURCE,
          useFactory: (): Promise<DataSource> =>
            openServiceDataSource({
              databaseUrl: config.databaseUrl,
              dataDir: config.dataDir,
              schema: config.schema,
              entities: STATUS_ENTITIES,
              migrations: STATUS_MIGRATIONS,
              applicationName: 'smis-status',
            }),
        },
        {
          provide: STATUS_OUTBOX,
          inject: [STATUS_DATA_SOURCE],
          useFactory: (ds: DataSource) => new Outbox(ds),
        },
        { provide: STATUS_CODEC, useFactory: () => createAvroCodec() },
        {
          provide: SecretBox,
          useFactory: (c: StatusConfig) => new SecretBox(c.webhookSecretKey),
          inject: [STATUS_CONFIG],
        },
        { provide: WebhookTransport, useClass: options.webhookTransport ?? FetchWebhookTransport },
        {
          provide: SenderPrincipalResolver,
          useClass: options.principalResolver ?? GatewayHeaderPrincipalResolver,
        },
        SenderPrincipalGuard,
        StatusTopics,
        SubscriptionStore,
        WebhookQueueSignal,
        WebhookPoller,
        RecordDeliveryEventUseCase,
        GetMessageStatusUseCase,
        ListSubscriptionsUseCase,
        GetSubscriptionUseCase,
        CreateSubscriptionUseCase,
        UpdateSubscriptionUseCase,
        DeleteSubscriptionUseCase,
        TestWebhookUseCase,
        DeliverWebhooksUseCase,
        StatusService,
        StatusLifecycle,
      ],
      exports: [StatusService],
    };
  }
}
