import { InvalidCommandError, type FieldProblem } from '../../errors';
import { senderIdProblem, uuidProblem } from '../validation';

/** Names one subscription of a sender (get, delete, test). */
export class SubscriptionRefCommand {
  private constructor(
    readonly senderId: string,
    readonly subscriptionId: string,
  ) {}

  static create(senderId: string, subscriptionId: string): SubscriptionRefCommand {
    const problems = [senderIdProblem(senderId), uuidProblem('subscriptionId', subscriptionId)].filter(
      (p): p is FieldProblem => p !== undefined,
    );
    if (problems.length > 0) throw new InvalidCommandError(problems);
    return new SubscriptionRefCommand(senderId, subscriptionId.toLowerCase());
  }
}
