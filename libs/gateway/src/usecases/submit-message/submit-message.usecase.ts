import { Inject, Injectable, Logger } from '@nestjs/common';
import { RecordValidationError, type AvroCodec } from '@smis/contracts';
import { describeError, MessageProducer } from '@smis/messaging';
import type { PolymorphicPseudonym } from '@smis/pseudonym';
import type { GatewayConfig } from '../../config';
import { ProblemError } from '../../http/problem';
import type { GatewayPorts, Reachability } from '../../ports';
import { GATEWAY_CODEC, GATEWAY_CONFIG, GATEWAY_PORTS } from '../../tokens';
import { SubmitMessageCommand } from './submit-message.command';

export interface SubmitMessageResult {
  messageId: string;
  reachability: Reachability;
}

/** Publishes a sender's request to smis.requests.v1 and answers with the citizen's reachability. */
@Injectable()
export class SubmitMessageUseCase {
  private readonly logger = new Logger('Gateway');

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_PORTS) private readonly ports: GatewayPorts,
    @Inject(GATEWAY_CODEC) private readonly codec: AvroCodec,
    private readonly producer: MessageProducer,
  ) {}

  async execute(command: SubmitMessageCommand): Promise<SubmitMessageResult> {
    const { request } = command;
    let value: Buffer;
    try {
      value = await this.codec.encode('MessageRequest', request);
    } catch (error) {
      if (error instanceof RecordValidationError) {
        throw ProblemError.invalid(
          'The message request does not fit the MessageRequest schema',
          error.paths.map((field) => ({ field, message: 'invalid value' })),
        );
      }
      throw error;
    }
    const [reachability] = await Promise.all([
      this.ports.keyDirectory.lookup(request.recipient.toString('base64url') as PolymorphicPseudonym),
      this.producer
        .send(this.config.requestsTopic, [{ key: request.messageId, value }])
        .catch((error: unknown) => {
          this.logger.warn(`Publishing message ${request.messageId} failed: ${describeError(error)}`);
          throw new ProblemError(
            {
              title: 'Service Unavailable',
              status: 503,
              detail: 'The request could not be queued; retry with the same messageId',
            },
            { 'Retry-After': '5' },
          );
        }),
    ]);
    return { messageId: request.messageId, reachability };
  }
}
