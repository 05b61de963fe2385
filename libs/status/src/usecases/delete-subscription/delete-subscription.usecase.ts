import { Injectable } from '@nestjs/common';
import { SubscriptionStore } from '../../subscriptions/subscription-store';
import type { SubscriptionRefCommand } from '../get-subscription/get-subscription.command';

/** Deletes a subscription; its queued webhook deliveries go with it (nobody is waiting for them). */
@Injectable()
export class DeleteSubscriptionUseCase {
  constructor(private readonly store: SubscriptionStore) {}

  async execute(command: SubscriptionRefCommand): Promise<void> {
    const record = await this.store.findOwned(command.senderId, command.subscriptionId);
    await this.store.repository.delete({ id: record.id, senderId: command.senderId });
  }
}
