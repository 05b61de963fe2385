import { InvalidCommandError } from '../../errors';
import { senderIdProblem, uuidProblem } from '../validation';

/** A sender asks for one of its messages. */
export class GetMessageStatusCommand {
  private constructor(
    readonly senderId: string,
    readonly messageId: string,
  ) {}

  static create(input: { senderId: string; messageId: string }): GetMessageStatusCommand {
    const problems = [senderIdProblem(input.senderId), uuidProblem('messageId', input.messageId)].filter(
      (p) => p !== undefined,
    );
    if (problems.length > 0) throw new InvalidCommandError(problems);
    return new GetMessageStatusCommand(input.senderId, input.messageId.toLowerCase());
  }
}
