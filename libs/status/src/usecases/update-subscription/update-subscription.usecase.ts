import { Injectable } from '@nestjs/common';
import { InvalidCommandError } from '../../errors';
import { SubscriptionStore, toSubscriptionView } from '../../subscriptions/subscription-store';
import type { SubscriptionWithSecretView } from '../../views';
import { deliveryProblem } from '../create-subscription/create-subscription.command';
import type { UpdateSubscriptionCommand } from './update-subscription.command';

/**
 * Updates a subscription. Re-enabling clears the reason it was disabled; its deliveries that were
 * dead-lettered stay in the dead-letter topic. A webhook that gets its first URL, or a rotation,
 * gets a new secret, returned this once.
 */
@Injectable()
export class UpdateSubscriptionUseCase {
  constructor(private readonly store: SubscriptionStore) {}

  async execute(command: UpdateSubscriptionCommand): Promise<SubscriptionWithSecretView> {
    const record = await this.store.findOwned(command.senderId, command.subscriptionId);
    const { changes } = command;
    const delivery = changes.delivery ?? record.delivery;
    const webhookUrl = changes.webhookUrl !== undefined ? changes.webhookUrl : record.webhookUrl;
    const problem = deliveryProblem(delivery, webhookUrl);
    if (problem) throw new InvalidCommandError([problem]);
    if (delivery === 'topic' && changes.webhookUrl) {
      throw new InvalidCommandError([{ field: 'webhookUrl', message: "is not used with delivery 'topic'" }]);
    }
    const now = new Date();
    record.eventTypes = changes.eventTypes ?? record.eventTypes;
    record.delivery = delivery;
    record.webhookUrl = delivery === 'topic' ? null : webhookUrl;
    let secret: string | undefined;
    if (delivery === 'topic') record.secretCiphertext = null;
    else if (changes.rotateSecret || !record.secretCiphertext) secret = this.store.newSecret(record);
    if (changes.enabled === true && !record.enabled) {
      record.enabled = true;
      record.disabledReason = null;
      record.disabledAt = null;
    } else if (changes.enabled === false && record.enabled) {
      record.enabled = false;
      record.disabledReason = 'paused by the sender';
      record.disabledAt = now;
    }
    record.updatedAt = now;
    await this.store.repository.save(record);
    return { ...toSubscriptionView(record), ...(secret ? { secret } : {}) };
  }
}
