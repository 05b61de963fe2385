import { Inject, Injectable } from '@nestjs/common';
import { statusTopic, type AvroCodec, type Channel, type DeliveryEvent } from '@smis/contracts';
import { NonRetriableError } from '@smis/messaging';
import { preparedQuery, type Outbox, type OutboxEntry } from '@smis/persistence';
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
  /** The event was recorded before (same eventId, possibly earlier in the same batch): nothing changed. */
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
  occurred_at: Date | string | null;
}

interface SubscriptionRow {
  id: string;
  sender_id: string;
  event_types: string[];
  delivery: 'topic' | 'webhook' | 'both';
  enabled: boolean;
}

/** Webhook rows per INSERT: 8 parameters each, far below PostgreSQL's 65535. */
const WEBHOOK_ROWS_PER_INSERT = 500;

/**
 * Records delivery events: keeps each in its message's history (once per eventId), moves the
 * message and channel aggregates forward by the precedence rules, and, in the same transaction,
 * queues what the sender subscribed to: a MessageStatus record on its status topic (outbox) and
 * webhook deliveries. A sender with no subscription gets every status on its topic.
 *
 * `executeBatch` records many events in one transaction with a fixed number of statements: it
 * locks the message rows in messageId order (so concurrent batches, e.g. partitions consumed in
 * parallel, cannot deadlock), folds the new events into the aggregates in memory (the precedence
 * is a total order, so this equals applying them one at a time) and writes each aggregate once.
 * Any event that cannot be recorded fails the whole batch (nothing is written): the caller then
 * records the events one by one (`execute`) to find it.
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
    const [result] = await this.executeBatch([command]);
    return result;
  }

  /** Records the events in one transaction; the results are in the commands' order. */
  async executeBatch(commands: readonly RecordDeliveryEventCommand[]): Promise<RecordDeliveryEventResult[]> {
    if (commands.length === 0) return [];
    const events = commands.map((c) => c.event);
    await this.topics.ensure([...new Set(events.map((e) => statusTopic(e.senderId)))]);
    const results = await this.dataSource.transaction((manager) => this.record(manager, events));
    events.forEach((event, i) =>
      statusMetrics.events.inc({
        outcome: results[i].duplicate ? 'duplicate' : 'recorded',
        status: event.status,
      }),
    );
    if (results.some((r) => r.publishedToTopic)) this.outbox.notify();
    if (results.some((r) => r.webhooksQueued > 0)) this.webhookQueue.notify();
    return results;
  }

  private async record(
    manager: EntityManager,
    events: readonly DeliveryEvent[],
  ): Promise<RecordDeliveryEventResult[]> {
    const t = this.tables;
    const results: RecordDeliveryEventResult[] = events.map(() => ({
      duplicate: true,
      messageStatusChanged: false,
      channelStatusChanged: false,
      publishedToTopic: false,
      webhooksQueued: 0,
    }));

    // Every writer locks the message rows first, in messageId order: events of one message apply
    // one transaction at a time, and two transactions never wait for each other in a cycle.
    const owners = new Map<string, string>();
    for (const event of events) if (!owners.has(event.messageId)) owners.set(event.messageId, event.senderId);
    const messageIds = [...owners.keys()].sort();
    await preparedQuery(
      manager,
      `INSERT INTO ${t.messageStatus} ("message_id", "sender_id")
       SELECT * FROM unnest($1::uuid[], $2::text[]) ON CONFLICT ("message_id") DO NOTHING`,
      [messageIds, messageIds.map((id) => owners.get(id))],
    );
    const messageRows = (await preparedQuery(
      manager,
      `SELECT "message_id", "sender_id", "status", "reason", "status_event_id" AS "event_id", "status_occurred_at" AS "occurred_at"
         FROM ${t.messageStatus} WHERE "message_id" = ANY($1::uuid[]) ORDER BY "message_id" FOR UPDATE`,
      [messageIds],
    )) as Array<PositionRow & { message_id: string; sender_id: string }>;
    const messages = new Map(messageRows.map((row) => [row.message_id, row]));
    for (const event of events) {
      if (messages.get(event.messageId)?.sender_id !== event.senderId) {
        throw new NonRetriableError(
          `Delivery event ${event.eventId} names sender ${event.senderId}, but message ${event.messageId} belongs to another sender`,
        );
      }
    }

    // History: each eventId once. A repeat within the batch is a duplicate like any other.
    const firsts = new Map<string, DeliveryEvent>();
    for (const event of events) if (!firsts.has(event.eventId)) firsts.set(event.eventId, event);
    const candidates = [...firsts.values()];
    const inserted = (await preparedQuery(
      manager,
      `INSERT INTO ${t.statusEvent}
         ("event_id", "message_id", "sender_id", "status", "channel", "reason", "from_channel", "to_channel",
          "plan_id", "attempt", "producer", "occurred_at")
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                            $8::text[], $9::uuid[], $10::int[], $11::text[], $12::timestamptz[])
       ON CONFLICT ("event_id") DO NOTHING RETURNING "event_id"`,
      [
        candidates.map((e) => e.eventId),
        candidates.map((e) => e.messageId),
        candidates.map((e) => e.senderId),
        candidates.map((e) => e.status),
        candidates.map((e) => e.channel),
        candidates.map((e) => e.reason),
        candidates.map((e) => e.fromChannel),
        candidates.map((e) => e.toChannel),
        candidates.map((e) => e.planId),
        candidates.map((e) => e.attempt),
        candidates.map((e) => e.producer),
        candidates.map((e) => new Date(e.occurredAt).toISOString()),
      ],
    )) as Array<{ event_id: string }>;
    const isNew = new Set(inserted.map((r) => r.event_id));
    const fresh: number[] = [];
    events.forEach((event, i) => {
      if (isNew.delete(event.eventId)) fresh.push(i);
    });
    if (fresh.length === 0) return results;

    // Fold the new events into the aggregates, in arrival order, as one-at-a-time would.
    const touched = new Set(fresh.map((i) => events[i].messageId));
    const messagePositions = new Map<string, StatusPosition | null>(
      [...touched].map((id) => [id, toPosition(messages.get(id) as PositionRow)]),
    );
    const channelPositions = new Map<string, StatusPosition | null>();
    const channelKey = (messageId: string, channel: Channel) => `${messageId}|${channel}`;
    const withChannelEffect = [
      ...new Set(fresh.filter((i) => events[i].channel).map((i) => events[i].messageId)),
    ];
    if (withChannelEffect.length > 0) {
      const rows = (await preparedQuery(
        manager,
        `SELECT "message_id", "channel", "status", "reason", "event_id", "occurred_at"
           FROM ${t.channelStatus} WHERE "message_id" = ANY($1::uuid[])`,
        [withChannelEffect],
      )) as Array<PositionRow & { message_id: string; channel: Channel }>;
      for (const row of rows) channelPositions.set(channelKey(row.message_id, row.channel), toPosition(row));
    }
    const changedChannels = new Set<string>();
    for (const i of fresh) {
      const event = events[i];
      const result = results[i];
      result.duplicate = false;
      const effect = effectOf(event);
      if (effect.message && supersedes(effect.message, messagePositions.get(event.messageId))) {
        messagePositions.set(event.messageId, effect.message);
        result.messageStatusChanged = true;
      }
      if (effect.channel) {
        const key = channelKey(event.messageId, effect.channel.channel);
        if (supersedes(effect.channel.position, channelPositions.get(key))) {
          channelPositions.set(key, effect.channel.position);
          changedChannels.add(key);
          result.channelStatusChanged = true;
        }
      }
    }

    // Each touched message once: its final position (unchanged ones keep theirs) and updated_at.
    const finalMessages = [...touched]
      .sort()
      .map((id) => ({ id, position: messagePositions.get(id) ?? null }));
    await preparedQuery(
      manager,
      `UPDATE ${t.messageStatus} AS m
          SET "status" = u."status", "reason" = u."reason", "status_event_id" = u."event_id",
              "status_occurred_at" = u."occurred_at", "updated_at" = now()
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::timestamptz[])
              AS u("message_id", "status", "reason", "event_id", "occurred_at")
        WHERE m."message_id" = u."message_id"`,
      [
        finalMessages.map((m) => m.id),
        finalMessages.map((m) => m.position?.status ?? null),
        finalMessages.map((m) => m.position?.reason ?? null),
        finalMessages.map((m) => m.position?.eventId ?? null),
        finalMessages.map((m) => (m.position ? new Date(m.position.occurredAt).toISOString() : null)),
      ],
    );
    if (changedChannels.size > 0) {
      const finalChannels = [...changedChannels].sort().map((key) => {
        const [messageId, channel] = key.split('|');
        return { messageId, channel, position: channelPositions.get(key) as StatusPosition };
      });
      await preparedQuery(
        manager,
        `INSERT INTO ${t.channelStatus} ("message_id", "channel", "status", "reason", "event_id", "occurred_at")
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::timestamptz[])
         ON CONFLICT ("message_id", "channel") DO UPDATE SET "status" = EXCLUDED."status", "reason" = EXCLUDED."reason",
           "event_id" = EXCLUDED."event_id", "occurred_at" = EXCLUDED."occurred_at"`,
        [
          finalChannels.map((c) => c.messageId),
          finalChannels.map((c) => c.channel),
          finalChannels.map((c) => c.position.status),
          finalChannels.map((c) => c.position.reason),
          finalChannels.map((c) => c.position.eventId),
          finalChannels.map((c) => new Date(c.position.occurredAt).toISOString()),
        ],
      );
    }

    // A status added in a later schema reads as UNKNOWN here: kept in history, not forwarded.
    await this.fanOut(
      manager,
      fresh
        .filter((i) => events[i].status !== 'UNKNOWN')
        .map((i) => ({ event: events[i], result: results[i] })),
    );
    return results;
  }

  /** Queues what each sender subscribed to, for every new event: one outbox write, few webhook writes. */
  private async fanOut(
    manager: EntityManager,
    items: ReadonlyArray<{ event: DeliveryEvent; result: RecordDeliveryEventResult }>,
  ): Promise<void> {
    if (items.length === 0) return;
    const senders = [...new Set(items.map((i) => i.event.senderId))];
    const rows = (await preparedQuery(
      manager,
      `SELECT "id", "sender_id", "event_types", "delivery", "enabled" FROM ${this.tables.subscription}
        WHERE "sender_id" = ANY($1::text[])`,
      [senders],
    )) as SubscriptionRow[];
    const bySender = new Map<string, SubscriptionRow[]>(senders.map((s) => [s, []]));
    for (const row of rows) bySender.get(row.sender_id)?.push(row);

    const entries: OutboxEntry[] = [];
    const hookRows: unknown[][] = [];
    const now = new Date();
    const deadline = new Date(now.getTime() + this.config.webhooks.retry.windowMs);
    for (const { event, result } of items) {
      const subscriptions = bySender.get(event.senderId) ?? [];
      const wanted = subscriptions.filter((s) => s.event_types.includes(event.status));
      // The topic cannot fail on the receiver's side: a disabled subscription still feeds it.
      const toTopic = subscriptions.length === 0 || wanted.some((s) => s.delivery !== 'webhook');
      const hooks = wanted.filter((s) => s.delivery !== 'topic' && s.enabled);
      if (!toTopic && hooks.length === 0) continue;
      const status = toMessageStatus(event);
      const record = await this.codec.encode('MessageStatus', status);
      if (toTopic) {
        entries.push({ topic: statusTopic(event.senderId), key: event.messageId, value: record });
        result.publishedToTopic = true;
      }
      if (hooks.length > 0) {
        const body = statusWebhookBody(status);
        for (const hook of hooks)
          hookRows.push([
            hook.id,
            event.senderId,
            event.eventId,
            event.messageId,
            body,
            record,
            now,
            deadline,
          ]);
        result.webhooksQueued = hooks.length;
      }
    }
    // One outbox write. Grouped by topic (each topic keeps the events' order), so the relay
    // publishes one send per sender rather than one per change of topic.
    const topicOrder = [...new Set(entries.map((e) => e.topic))];
    await this.outbox.add(
      manager,
      topicOrder.flatMap((topic) => entries.filter((e) => e.topic === topic)),
    );
    for (let start = 0; start < hookRows.length; start += WEBHOOK_ROWS_PER_INSERT) {
      const chunk = hookRows.slice(start, start + WEBHOOK_ROWS_PER_INSERT);
      const values = chunk.map((_, r) => {
        const p = (c: number) => `$${r * 8 + c}`;
        return `(${p(1)}::uuid, ${p(2)}, ${p(3)}::uuid, ${p(4)}::uuid, ${p(5)}, ${p(6)}::bytea, ${p(7)}::timestamptz, ${p(8)}::timestamptz, ${p(7)}::timestamptz)`;
      });
      await manager.query(
        `INSERT INTO ${this.tables.webhookDelivery}
           ("subscription_id", "sender_id", "event_id", "message_id", "body", "record", "next_attempt_at", "deadline_at", "created_at")
         VALUES ${values.join(', ')}
         ON CONFLICT ("subscription_id", "event_id") DO NOTHING`,
        chunk.flat(),
      );
    }
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
