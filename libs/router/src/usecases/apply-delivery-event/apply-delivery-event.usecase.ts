import type { DeliveryEvent } from '@smis/contracts';
import { RouterMetrics } from '../../metrics';
import { Inject, Injectable } from '@nestjs/common';
import type { Outbox } from '@smis/persistence';
import type { DataSource } from 'typeorm';
import { MessageRecord } from '../../entities';
import { PlanExecutor } from '../../plan/plan-executor';
import { tableOf, type RouterTx } from '../../plan/transaction';
import type { RouterPorts } from '../../ports';
import { ROUTER_DATA_SOURCE, ROUTER_OUTBOX, ROUTER_PORTS } from '../../tokens';
import { ApplyDeliveryEventCommand } from './apply-delivery-event.command';

export type EventEffect = 'ignored' | 'duplicate' | 'confirmed' | 'fallback' | 'expired' | 'recorded';

/**
 * Moves a plan on a channel's event, once per eventId: a confirmation by the app (DELIVERED,
 * READ) ends the plan, so no SMS ever follows it; a FAILED of the channel trying now falls back
 * to the next one; EXPIRED ends the plan. Stale events (another plan, an older attempt) change nothing.
 */
@Injectable()
export class ApplyDeliveryEventUseCase {
  constructor(
    @Inject(ROUTER_PORTS) private readonly ports: RouterPorts,
    @Inject(ROUTER_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(ROUTER_OUTBOX) private readonly outbox: Outbox,
    private readonly plan: PlanExecutor,
    private readonly metrics: RouterMetrics,
  ) {}

  async execute(command: ApplyDeliveryEventCommand): Promise<EventEffect> {
    if (!command.relevant) return 'ignored';
    const now = (this.ports.clock ?? Date.now)();
    const events: DeliveryEvent[] = [];
    const effect = await this.dataSource.transaction(async (manager) => {
      const tx: RouterTx = { manager, now, entries: [], events };
      const first = await manager.query(
        `INSERT INTO ${tableOf(manager, 'processed_event')} ("event_id", "processed_at") VALUES ($1, $2)
         ON CONFLICT DO NOTHING RETURNING "event_id"`,
        [command.event.eventId, now],
      );
      if (first.length === 0) return 'duplicate' as const;
      const m = await manager.findOne(MessageRecord, {
        where: { messageId: command.event.messageId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!m || (command.event.planId !== null && command.event.planId !== m.planId))
        return 'ignored' as const;
      const result = await this.apply(tx, m, command);
      if (result !== 'ignored') {
        m.updatedAt = now;
        await manager.save(MessageRecord, m);
      }
      await this.outbox.add(manager, tx.entries);
      return result;
    });
    this.outbox.notify();
    this.metrics.observe(events);
    return effect;
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
        await this.plan.finish(tx, m, 'DELIVERED');
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
