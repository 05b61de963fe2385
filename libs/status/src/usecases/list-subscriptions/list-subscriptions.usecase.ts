import { Injectable } from '@nestjs/common';
import { InvalidCommandError } from '../../errors';
import { SubscriptionStore, toSubscriptionView } from '../../subscriptions/subscription-store';
import type { SubscriptionView } from '../../views';
import { senderIdProblem } from '../validation';

/** Lists a sender's subscriptions, oldest first. */
export class ListSubscriptionsCommand {
  private constructor(readonly senderId: string) {}

  static create(senderId: string): ListSubscriptionsCommand {
    const problem = senderIdProblem(senderId);
    if (problem) throw new InvalidCommandError([problem]);
    return new ListSubscriptionsCommand(senderId);
  }
}

@Injectable()
export class ListSubscriptionsUseCase {
  constructor(private readonly store: SubscriptionStore) {}

  async execute(command: ListSubscriptionsCommand): Promise<SubscriptionView[]> {
    const records = await this.store.repository.find({
      where: { senderId: command.senderId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    return records.map(toSubscriptionView);
  }
}
