import { Inject, Injectable } from '@nestjs/common';
import { statusTopic, type AvroCodec, type DeliveryEvent } from '@smis/contracts';
import { NonRetriableError } from '@smis/messaging';
import type { Outbox, OutboxEntry } from '@smis/persistence';
import type { DataSource, EntityManager } from 'typeorm';
import type { StatusConfig } from '../../config';
import { effectOf, supersedes, type StatusPosition } from '../../domain/status-precedence';
import { statusMetrics } from '../../metrics';
import { StatusTopics } from '../../status-topics';
import { statusTables, type StatusTables } from '../../tables';
import { STATUS_CODEC, STATUS_CONFIG, STATUS_DATA_SOURCE, STATUS_OUTBOX } from '../../tokens';
import { WebhookQueueSignal } from '../../webhooks/webhook-queue-signal';
import { statusWebhookBody, toMessageStatus } from '../../webhooks/webhook-payload';
import type { RecordDeliveryEventCommand } from './record-delivery-event.command';

export interface RecordDeliveryEventResult {
  /** The event was recorded before (same eventId): nothing changed. */
  duplicate: boolean;
  messageStatusChanged: boolean;
  channelStatusChanged: boolean;
  publishedToTopic: boolean;
  webhooksQueued: number;
}

interface PositionRow {
  status: string | null;
  reason: string | null;
  event_id: string | null;
  occurred_at: Date | null;
}

interface SubscriptionRow {
  id: string;
  event_types: string[];
  delivery: 'topic' | 'webhook' | 'both';
  enabled: boolean;
}

/**
 * Records one delivery event: keeps it in the message's history (once per eventId), moves the
 * message and channel aggregates forward by the precedence rules, and, in the same transaction,
 * queues what the sender subscribed to: a MessageStatus record on its status topic (outbox) and
 * webhook deliveries. A sender with no subscription gets every status on its topic.
 */
@Injectable()
export class RecordDeliveryEventUseCase {
  private readonly tables: StatusTables;

  constructor(
    @Inject(STATUS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(STATUS_OUTBOX) private readonly outbox: Outbox,
    @Inject(STATUS_CODEC) private readonly codec: AvroCodec,
    @Inject(STATUS_CONFIG) private readonly config: StatusConfig,
    private readonly topics: StatusTopics,
    private readonly webhookQueue: WebhookQueueSignal,
  ) {
    this.tables = statusTables(config.schema);
  }

  async execute(command: RecordDeliveryEventCommand): Promise<RecordDeliveryEventResult> {
    const { event } = command;
    await this.topics.ensure([statusTopic(event.senderId)]);
    const result = await this.dataSource.transaction((manager) => this.record(manager, event));
    statusMetrics.events.inc({ outcome: result.duplicate ? 'duplicate' : 'recorded', status: event.status });
    if (result.publishedToTopic) this.outbox.notify();
    if (result.webhooksQueued > 0) this.webhookQueue.notify();
    return result;
  }

  private async record(manager: EntityManager, event: DeliveryEvent): Promise<RecordDeliveryEventResult> {
    const t = this.tables;
    const result: RecordDeliveryEventResult = {
      duplicate: false,
      messageStatusChanged: false,
      channelStatusChanged: false,
      publishedToTopic: false,
      webhooksQueued: 0,
    };
    // Every writer locks the message row first: events of one message apply one at a time.
    await manager.query(
      `INSERT INTO ${t.messageStatus} ("message_id", "sender_id") VALUES ($1, $2) ON CONFLICT ("message_id") DO NOTHING`,
      [event.messageId, event.senderId],
    );
    const [message] = (await manager.query(
      `SELECT "sender_id", "status", "reason", "status_event_id" AS "event_id", "status_occurred_at" AS "occurred_at"
         FROM ${t.messageStatus} WHERE "message_id" = $1 FOR UPDATE`,
      [event.messageId],
    )) as Array<PositionRow & { sender_id: string }>;
    if (message.sender_id !== event.senderId) {
      throw new NonRetriableError(
        `Delivery event ${event.eventId} names sender ${event.senderId}, but message ${event.messageId} belongs to another sender`,
      );
    }
    const inserted = (await manager.query(
      `INSERT INTO ${t.statusEvent}
         ("event_id", "message_id", "sender_id", "status", "channel", "reason", "from_channel", "to_channel",
          "plan_id", "attempt", "producer", "occurred_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT ("event_id") DO NOTHING RETURNING "event_id"`,
      [
        event.eventId,
        event.messageId,
        event.senderId,
        event.status,
        event.channel,
        event.reason,
        event.fromChannel,
        event.toChannel,
        event.planId,
        event.attempt,
        event.producer,
        new Date(event.occurredAt),
      ],
    )) as unknown[];
    if (inserted.length === 0) return { ...result, duplicate: true };

    const effect = effectOf(event);
    if (effect.message && supersedes(effect.message, toPosition(message))) {
      await manager.query(
        `UPDATE ${t.messageStatus} SET "status" = $2, "reason" = $3, "status_event_id" = $4, "status_occurred_at" = $5,
                "updated_at" = now() WHERE "message_id" = $1`,
        [
          event.messageId,
          effect.message.status,
          effect.message.reason,
          event.eventId,
          new Date(event.occurredAt),
        ],
      );
      result.messageStatusChanged = true;
    } else {
      await manager.query(`UPDATE ${t.messageStatus} SET "updated_at" = now() WHERE "message_id" = $1`, [
        event.messageId,
      ]);
    }
    if (effect.channel) {
      const [channel] = (await manager.query(
        `SELECT "status", "reason", "event_id", "occurred_at" FROM ${t.channelStatus} WHERE "message_id" = $1 AND "channel" = $2`,
        [event.messageId, effect.channel.channel],
      )) as PositionRow[];
      if (supersedes(effect.channel.position, channel ? toPosition(channel) : null)) {
        await manager.query(
          `INSERT INTO ${t.channelStatus} ("message_id", "channel", "status", "reason", "event_id", "occurred_at")
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT ("message_id", "channel") DO UPDATE SET "status" = EXCLUDED."status", "reason" = EXCLUDED."reason",
             "event_id" = EXCLUDED."event_id", "occurred_at" = EXCLUDED."occurred_at"`,
          [
            event.messageId,
            effect.channel.channel,
            effect.channel.position.status,
            effect.channel.position.reason,
            event.eventId,
            new Date(event.occurredAt),
          ],
        );
        result.channelStatusChanged = true;
      }
    }
    // A status added in a later schema reads as UNKNOWN here: kept in history, not forwarded.
    if (event.status === 'UNKNOWN') return result;
    return { ...result, ...(await this.fanOut(manager, event)) };
  }

  private async fanOut(
    manager: EntityManager,
    event: DeliveryEvent,
  ): Promise<Pick<RecordDeliveryEventResult, 'publishedToTopic' | 'webhooksQueued'>> {
    const subscriptions = (await manager.query(
      `SELECT "id", "event_types", "delivery", "enabled" FROM ${this.tables.subscription} WHERE "sender_id" = $1`,
      [event.senderId],
    )) as SubscriptionRow[];
    const wanted = subscriptions.filter((s) => s.event_types.includes(event.status));
    // The topic cannot fail on the receiver's side: a disabled subscription still feeds it.
    const toTopic = subscriptions.length === 0 || wanted.some((s) => s.delivery !== 'webhook');
    const hooks = wanted.filter((s) => s.delivery !== 'topic' && s.enabled);
    if (!toTopic && hooks.length === 0) return { publishedToTopic: false, webhooksQueued: 0 };

    const status = toMessageStatus(event);
    const record = await this.codec.encode('MessageStatus', status);
    if (toTopic) {
      const entry: OutboxEntry = { topic: statusTopic(event.senderId), key: event.messageId, value: record };
      await this.outbox.add(manager, [entry]);
    }
    if (hooks.length > 0) {
      const body = statusWebhookBody(status);
      const now = new Date();
      const deadline = new Date(now.getTime() + this.config.webhooks.retry.windowMs);
      for (const hook of hooks) {
        await manager.query(
          `INSERT INTO ${this.tables.webhookDelivery}
             ("subscription_id", "sender_id", "event_id", "message_id", "body", "record", "next_attempt_at", "deadline_at", "created_at")
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7)
           ON CONFLICT ("subscription_id", "event_id") DO NOTHING`,
          [hook.id, event.senderId, event.eventId, event.messageId, body, record, now, deadline],
        );
      }
    }
    return { publishedToTopic: toTopic, webhooksQueued: hooks.length };
  }
}

function toPosition(row: PositionRow): StatusPosition | null {
  if (row.status === null || row.event_id === null || row.occurred_at === null) return null;
  return {
    status: row.status as StatusPosition['status'],
    reason: row.reason,
    eventId: row.event_id,
    occurredAt: new Date(row.occurred_at).getTime(),
  };
}
