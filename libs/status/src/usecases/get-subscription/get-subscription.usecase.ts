import { Injectable } from '@nestjs/common';
import { SubscriptionStore, toSubscriptionView } from '../../subscriptions/subscription-store';
import type { SubscriptionView } from '../../views';
import type { SubscriptionRefCommand } from './get-subscription.command';

@Injectable()
export class GetSubscriptionUseCase {
  constructor(private readonly store: SubscriptionStore) {}

  async execute(command: SubscriptionRefCommand): Promise<SubscriptionView> {
    return toSubscriptionView(await this.store.findOwned(command.senderId, command.subscriptionId));
  }
}
