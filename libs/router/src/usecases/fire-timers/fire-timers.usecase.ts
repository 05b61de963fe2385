import type { DeliveryEvent } from '@smis/contracts';
import { RouterMetrics } from '../../metrics';
import { Inject, Injectable } from '@nestjs/common';
import type { Outbox } from '@smis/persistence';
import type { DataSource } from 'typeorm';
import { REASONS } from '../../domain/reasons';
import { MessageRecord, type TimerKind } from '../../entities';
import { PlanExecutor } from '../../plan/plan-executor';
import { tableOf, type RouterTx } from '../../plan/transaction';
import { ROUTER_DATA_SOURCE, ROUTER_OUTBOX } from '../../tokens';
import { FireTimersCommand } from './fire-timers.command';

/**
 * Fires due timers: claims them with `FOR UPDATE SKIP LOCKED` (so several router instances share
 * the work and none fires a timer twice), locks each message the same way (a message busy with
 * an event is left for the next round), acts, deletes the timer, writes the outbox: one transaction.
 *
 * - `fallback`: the app did not confirm within the window: fall back (or EXPIRED after the expiry).
 * - `release`: the end of a deferral (quiet hours, rate): start the plan (or EXPIRED).
 */
@Injectable()
export class FireTimersUseCase {
  constructor(
    @Inject(ROUTER_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(ROUTER_OUTBOX) private readonly outbox: Outbox,
    private readonly plan: PlanExecutor,
    private readonly metrics: RouterMetrics,
  ) {}

  /** Returns how many timers it fired. */
  async execute(command: FireTimersCommand): Promise<number> {
    const events: DeliveryEvent[] = [];
    const fired = await this.dataSource.transaction(async (manager) => {
      const tx: RouterTx = { manager, now: command.now, entries: [], events };
      const timers = (await manager.query(
        `SELECT "message_id", "kind", "attempt" FROM ${tableOf(manager, 'timer')}
         WHERE "due_at" <= $1 ORDER BY "due_at" LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [command.now, command.limit],
      )) as { message_id: string; kind: TimerKind; attempt: number }[];
      let count = 0;
      for (const timer of timers) {
        const locked = (await manager.query(
          `SELECT "message_id" FROM ${tableOf(manager, 'message')} WHERE "message_id" = $1 FOR UPDATE SKIP LOCKED`,
          [timer.message_id],
        )) as unknown[];
        if (locked.length === 0) continue;
        const m = await manager.findOneByOrFail(MessageRecord, { messageId: timer.message_id });
        await manager.query(
          `DELETE FROM ${tableOf(manager, 'timer')} WHERE "message_id" = $1 AND "kind" = $2`,
          [timer.message_id, timer.kind],
        );
        if (await this.fire(tx, m, timer.kind, timer.attempt)) {
          m.updatedAt = command.now;
          await manager.save(MessageRecord, m);
        }
        count += 1;
      }
      await this.outbox.add(manager, tx.entries);
      return count;
    });
    if (fired > 0) this.outbox.notify();
    this.metrics.observe(events);
    return fired;
  }

  private async fire(tx: RouterTx, m: MessageRecord, kind: TimerKind, attempt: number): Promise<boolean> {
    if (kind === 'release') {
      if (m.state !== 'DEFERRED') return false;
      await this.plan.start(tx, m);
      return true;
    }
    const stillWaiting =
      m.state === 'ACTIVE' && m.channels[m.step] === 'APP' && m.attempt === attempt && !m.appConfirmed;
    if (!stillWaiting) return false;
    if (tx.now >= m.expiresAt) await this.plan.expire(tx, m);
    else await this.plan.advance(tx, m, REASONS.appNotDeliveredInWindow);
    return true;
  }
}
