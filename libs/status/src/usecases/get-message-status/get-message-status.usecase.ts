import { Inject, Injectable } from '@nestjs/common';
import type { Channel, DeliveryStatus } from '@smis/contracts';
import type { DataSource } from 'typeorm';
import { byOccurrence, type AggregateStatus } from '../../domain/status-precedence';
import { ChannelStatusRecord, MessageStatusRecord, StatusEventRecord } from '../../entities';
import { NotFoundError } from '../../errors';
import { STATUS_DATA_SOURCE } from '../../tokens';
import type { MessageStatusView, StatusEventView } from '../../views';
import type { GetMessageStatusCommand } from './get-message-status.command';

/** A message's aggregated status, its channels and its full history, for its own sender only. */
@Injectable()
export class GetMessageStatusUseCase {
  constructor(@Inject(STATUS_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async execute(command: GetMessageStatusCommand): Promise<MessageStatusView> {
    // One snapshot: read apart, an event committed in between could be in the history while the
    // status read before it does not show it yet.
    const { message, channels, events } = await this.dataSource.transaction(
      'REPEATABLE READ',
      async (manager) => {
        const message = await manager
          .getRepository(MessageStatusRecord)
          .findOneBy({ messageId: command.messageId, senderId: command.senderId });
        // Another sender's message is "not found" too: existence is not disclosed across senders.
        if (!message)
          throw new NotFoundError(`No message ${command.messageId} for sender ${command.senderId}`);
        const channels = await manager
          .getRepository(ChannelStatusRecord)
          .find({ where: { messageId: message.messageId }, order: { channel: 'ASC' } });
        const events = await manager
          .getRepository(StatusEventRecord)
          .find({ where: { messageId: message.messageId } });
        return { message, channels, events };
      },
    );
    const history: StatusEventView[] = events
      .map((e) => ({ ...e, at: e.occurredAt.getTime() }))
      .sort((a, b) =>
        byOccurrence({ occurredAt: a.at, eventId: a.eventId }, { occurredAt: b.at, eventId: b.eventId }),
      )
      .map((e) => ({
        eventId: e.eventId,
        status: e.status as DeliveryStatus,
        channel: e.channel as Channel | null,
        reason: e.reason,
        fromChannel: e.fromChannel as Channel | null,
        toChannel: e.toChannel as Channel | null,
        attempt: e.attempt,
        producer: e.producer,
        occurredAt: e.occurredAt.toISOString(),
        receivedAt: e.receivedAt.toISOString(),
      }));
    return {
      messageId: message.messageId,
      senderId: message.senderId,
      status: message.status as AggregateStatus | null,
      reason: message.reason,
      statusAt: message.statusOccurredAt?.toISOString() ?? null,
      channels: channels.map((c) => ({
        channel: c.channel as Channel,
        status: c.status as AggregateStatus,
        reason: c.reason,
        eventId: c.eventId,
        occurredAt: c.occurredAt.toISOString(),
      })),
      fallbacks: history
        .filter((e) => e.status === 'FALLBACK')
        .map((e) => ({
          from: e.fromChannel,
          to: e.toChannel,
          reason: e.reason,
          eventId: e.eventId,
          occurredAt: e.occurredAt,
        })),
      history,
    };
  }
}
