import type { DeliveryEvent } from '@smis/contracts';
import { RouterMetrics } from '../../metrics';
import { Inject, Injectable } from '@nestjs/common';
import { preparedQuery, type Outbox } from '@smis/persistence';
import { In, type DataSource } from 'typeorm';
import { MessageRecord } from '../../entities';
import { saveMessageProgress } from '../../plan/message-progress';
import { PlanExecutor } from '../../plan/plan-executor';
import { tableOf, type RouterTx } from '../../plan/transaction';
import type { RouterPorts } from '../../ports';
import { TimerAlarm } from '../../timers/timer-alarm';
import { ROUTER_DATA_SOURCE, ROUTER_OUTBOX, ROUTER_PORTS } from '../../tokens';
import { ApplyDeliveryEventCommand } from './apply-delivery-event.command';

export type EventEffect = 'ignored' | 'duplicate' | 'confirmed' | 'fallback' | 'expired' | 'recorded';

/**
 * Moves a plan on a channel's event, once per eventId: a confirmation by the app (DELIVERED,
 * READ) ends the plan, so no SMS ever follows it; a FAILED of the channel trying now falls back
 * to the next one; EXPIRED ends the plan. Stale events (another plan, an older attempt) change nothing.
 *
 * Events come in batches (`executeBatch`): one transaction applies them all in order. It first
 * locks the messages concerned in message-id order (so transactions of concurrently consumed
 * partitions, and of retry topics, cannot deadlock), then records the event ids, then applies
 * each event to its message as the previous ones left it, and writes the outbox once.
 */
@Injectable()
export class ApplyDeliveryEventUseCase {
  constructor(
    @Inject(ROUTER_PORTS) private readonly ports: RouterPorts,
    @Inject(ROUTER_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(ROUTER_OUTBOX) private readonly outbox: Outbox,
    private readonly plan: PlanExecutor,
    private readonly metrics: RouterMetrics,
    private readonly alarm: TimerAlarm,
  ) {}

  async execute(command: ApplyDeliveryEventCommand): Promise<EventEffect> {
    const [effect] = await this.executeBatch([command]);
    return effect;
  }

  /** Applies the events in order, in one transaction; returns each one's effect (same order). */
  async executeBatch(commands: readonly ApplyDeliveryEventCommand[]): Promise<EventEffect[]> {
    const effects: EventEffect[] = commands.map(() => 'ignored');
    const relevant = commands.map((command, index) => ({ command, index })).filter((c) => c.command.relevant);
    if (relevant.length === 0) return effects;
    const now = (this.ports.clock ?? Date.now)();
    const events: DeliveryEvent[] = [];
    const timers: number[] = [];
    await this.dataSource.transaction(async (manager) => {
      const tx: RouterTx = { manager, now, entries: [], events, timers, timerWrites: [], timerDeletes: [] };
      const messageIds = [...new Set(relevant.map((c) => c.command.event.messageId.toLowerCase()))].sort();
      // Row locks in a deterministic order, before anything else this transaction writes.
      await preparedQuery(
        manager,
        `SELECT "message_id" FROM ${tableOf(manager, 'message')}
         WHERE "message_id" = ANY($1::uuid[]) ORDER BY "message_id" FOR UPDATE`,
        [messageIds],
      );
      const eventIds = [...new Set(relevant.map((c) => c.command.event.eventId.toLowerCase()))].sort();
      const inserted = (await preparedQuery(
        manager,
        `INSERT INTO ${tableOf(manager, 'processed_event')} ("event_id", "processed_at")
         SELECT id, $2 FROM unnest($1::uuid[]) AS id ORDER BY id
         ON CONFLICT DO NOTHING RETURNING "event_id"`,
        [eventIds, now],
      )) as { event_id: string }[];
      const fresh = new Set(inserted.map((r) => r.event_id.toLowerCase()));
      const messages = new Map(
        (await manager.findBy(MessageRecord, { messageId: In(messageIds) })).map((m) => [
          m.messageId.toLowerCase(),
          m,
        ]),
      );
      const changed = new Set<MessageRecord>();
      for (const { command, index } of relevant) {
        const e = command.event;
        // Once per event id, also within the batch.
        if (!fresh.delete(e.eventId.toLowerCase())) {
          effects[index] = 'duplicate';
          continue;
        }
        const m = messages.get(e.messageId.toLowerCase());
        if (!m || (e.planId !== null && e.planId !== m.planId)) continue;
        const result = await this.apply(tx, m, command);
        effects[index] = result;
        if (result !== 'ignored') {
          m.updatedAt = now;
          changed.add(m);
        }
      }
      await this.plan.flushTimers(tx);
      await saveMessageProgress(manager, [...changed]);
      await this.outbox.add(manager, tx.entries);
    });
    this.outbox.notify();
    this.alarm.armed(timers);
    this.metrics.observe(events);
    return effects;
  }

  private async apply(
    tx: RouterTx,
    m: MessageRecord,
    command: ApplyDeliveryEventCommand,
  ): Promise<EventEffect> {
    const e = command.event;
    const channel = e.channel;
    if (e.status === 'DELIVERED' || e.status === 'READ') {
      m.deliveredAt ??= e.occurredAt;
      if (e.status === 'READ') m.readAt ??= e.occurredAt;
      if (channel === 'APP') m.appConfirmed = true;
      if (m.state === 'ACTIVE' || m.state === 'DEFERRED') {
        this.plan.finish(tx, m, 'DELIVERED');
        return 'confirmed';
      }
      return 'recorded';
    }
    const current = m.state === 'ACTIVE' && m.channels[m.step] === channel;
    const sameAttempt = e.attempt === null || e.attempt === m.attempt;
    if (!current || !sameAttempt || m.appConfirmed) return 'ignored';
    if (e.status === 'FAILED') {
      await this.plan.advance(tx, m, e.reason ?? `${String(channel).toLowerCase()}.failed`);
      return 'fallback';
    }
    // EXPIRED: the channel could not deliver before the message's expiry.
    await this.plan.expire(tx, m);
    return 'expired';
  }
}
