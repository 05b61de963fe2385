import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ConflictError } from '../../errors';
import {
  MAX_SUBSCRIPTIONS_PER_SENDER,
  SubscriptionStore,
  toSubscriptionView,
} from '../../subscriptions/subscription-store';
import type { SubscriptionWithSecretView } from '../../views';
import type { CreateSubscriptionCommand } from './create-subscription.command';

/** Creates a subscription; a webhook gets a new signing secret, returned this once. */
@Injectable()
export class CreateSubscriptionUseCase {
  constructor(private readonly store: SubscriptionStore) {}

  async execute(command: CreateSubscriptionCommand): Promise<SubscriptionWithSecretView> {
    const count = await this.store.repository.countBy({ senderId: command.senderId });
    if (count >= MAX_SUBSCRIPTIONS_PER_SENDER) {
      throw new ConflictError(
        `Sender ${command.senderId} has ${count} subscriptions, the most allowed: combine event types or delete one first`,
      );
    }
    const now = new Date();
    const record = this.store.repository.create({
      id: randomUUID(),
      senderId: command.senderId,
      eventTypes: command.eventTypes,
      delivery: command.delivery,
      webhookUrl: command.webhookUrl,
      secretCiphertext: null,
      enabled: true,
      disabledReason: null,
      disabledAt: null,
      createdAt: now,
      updatedAt: now,
    });
    const secret = command.webhookUrl ? this.store.newSecret(record) : undefined;
    await this.store.repository.insert(record);
    return { ...toSubscriptionView(record), ...(secret ? { secret } : {}) };
  }
}
