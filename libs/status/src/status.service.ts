import { Inject, Injectable } from '@nestjs/common';
import type { StatusConfig } from './config';
import { STATUS_CONFIG } from './tokens';
import {
  CreateSubscriptionCommand,
  type CreateSubscriptionInput,
} from './usecases/create-subscription/create-subscription.command';
import { CreateSubscriptionUseCase } from './usecases/create-subscription/create-subscription.usecase';
import { DeleteSubscriptionUseCase } from './usecases/delete-subscription/delete-subscription.usecase';
import { GetMessageStatusCommand } from './usecases/get-message-status/get-message-status.command';
import { GetMessageStatusUseCase } from './usecases/get-message-status/get-message-status.usecase';
import { SubscriptionRefCommand } from './usecases/get-subscription/get-subscription.command';
import { GetSubscriptionUseCase } from './usecases/get-subscription/get-subscription.usecase';
import {
  ListSubscriptionsCommand,
  ListSubscriptionsUseCase,
} from './usecases/list-subscriptions/list-subscriptions.usecase';
import { TestWebhookUseCase } from './usecases/test-webhook/test-webhook.usecase';
import {
  UpdateSubscriptionCommand,
  type UpdateSubscriptionInput,
} from './usecases/update-subscription/update-subscription.command';
import { UpdateSubscriptionUseCase } from './usecases/update-subscription/update-subscription.usecase';
import type {
  MessageStatusView,
  SubscriptionView,
  SubscriptionWithSecretView,
  TestWebhookResult,
} from './views';

/**
 * The status service in-process (for the gateway, hosted in the same process): what the HTTP
 * API offers, for an already authenticated sender. Rejects with InvalidCommandError,
 * NotFoundError (also for another sender's message or subscription) or ConflictError.
 */
@Injectable()
export class StatusService {
  constructor(
    @Inject(STATUS_CONFIG) private readonly config: StatusConfig,
    private readonly getMessage: GetMessageStatusUseCase,
    private readonly listAll: ListSubscriptionsUseCase,
    private readonly getOne: GetSubscriptionUseCase,
    private readonly create: CreateSubscriptionUseCase,
    private readonly update: UpdateSubscriptionUseCase,
    private readonly remove: DeleteSubscriptionUseCase,
    private readonly test: TestWebhookUseCase,
  ) {}

  getMessageStatus(senderId: string, messageId: string): Promise<MessageStatusView> {
    return this.getMessage.execute(GetMessageStatusCommand.create({ senderId, messageId }));
  }

  listSubscriptions(senderId: string): Promise<SubscriptionView[]> {
    return this.listAll.execute(ListSubscriptionsCommand.create(senderId));
  }

  getSubscription(senderId: string, subscriptionId: string): Promise<SubscriptionView> {
    return this.getOne.execute(SubscriptionRefCommand.create(senderId, subscriptionId));
  }

  createSubscription(senderId: string, input: CreateSubscriptionInput): Promise<SubscriptionWithSecretView> {
    return this.create.execute(CreateSubscriptionCommand.create(senderId, input, this.urlRules()));
  }

  updateSubscription(
    senderId: string,
    subscriptionId: string,
    input: UpdateSubscriptionInput,
  ): Promise<SubscriptionWithSecretView> {
    return this.update.execute(
      UpdateSubscriptionCommand.create(senderId, subscriptionId, input, this.urlRules()),
    );
  }

  deleteSubscription(senderId: string, subscriptionId: string): Promise<void> {
    return this.remove.execute(SubscriptionRefCommand.create(senderId, subscriptionId));
  }

  testWebhook(senderId: string, subscriptionId: string): Promise<TestWebhookResult> {
    return this.test.execute(SubscriptionRefCommand.create(senderId, subscriptionId));
  }

  private urlRules(): { allowInsecureUrls: boolean } {
    return { allowInsecureUrls: this.config.webhooks.allowInsecureUrls };
  }
}
