import type { AvroCodec, DeliveryEvent, DeliveryStatus, Channel } from '@smis/contracts';
import type { OutboxEntry } from '@smis/persistence';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';

/** What one router transaction accumulates: the records to add to the outbox at its end. */
export interface RouterTx {
  readonly manager: EntityManager;
  readonly now: number;
  readonly entries: OutboxEntry[];
  /** The events added, for metrics once the transaction has committed. */
  readonly events: DeliveryEvent[];
  /** Due times of the timers set, to wake this process's timer poller once committed. */
  readonly timers: number[];
  /**
   * The timers set in this transaction, written in one statement by `PlanExecutor.flushTimers`
   * before it commits.
   */
  readonly timerWrites: TimerWrite[];
  /**
   * The timers cleared in this transaction, deleted in one statement by `flushTimers` (before the
   * buffered writes, which then win).
   */
  readonly timerDeletes: TimerDelete[];
}

/** A timer to delete at the end of a transaction (`kind` null: all of the message's). */
export interface TimerDelete {
  messageId: string;
  kind: 'fallback' | 'release' | null;
}

/** A timer to upsert at the end of a transaction. */
export interface TimerWrite {
  messageId: string;
  kind: 'fallback' | 'release';
  dueAt: number;
  attempt: number;
}

export interface EventFields {
  channel?: Channel | null;
  reason?: string | null;
  fromChannel?: Channel | null;
  toChannel?: Channel | null;
  planId?: string | null;
  attempt?: number | null;
}

/** Adds a router DeliveryEvent to the transaction's outbox entries. */
export async function addEvent(
  tx: RouterTx,
  codec: AvroCodec,
  topic: string,
  message: { messageId: string; senderId: string },
  status: DeliveryStatus,
  fields: EventFields = {},
): Promise<DeliveryEvent> {
  const event: DeliveryEvent = {
    eventId: randomUUID(),
    messageId: message.messageId,
    senderId: message.senderId,
    status,
    channel: fields.channel ?? null,
    reason: fields.reason ?? null,
    fromChannel: fields.fromChannel ?? null,
    toChannel: fields.toChannel ?? null,
    deviceId: null,
    planId: fields.planId ?? null,
    attempt: fields.attempt ?? null,
    occurredAt: tx.now,
    producer: 'router',
  };
  tx.entries.push({ topic, key: message.messageId, value: await codec.encode('DeliveryEvent', event) });
  tx.events.push(event);
  return event;
}

/** `"schema"."table"` of the data source's schema. */
export function tableOf(manager: EntityManager, table: string): string {
  const schema = (manager.connection.options as { schema?: string }).schema ?? 'router';
  return `"${schema}"."${table}"`;
}
