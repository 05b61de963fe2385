import type { DeliveryEvent } from '@smis/contracts';
import { RouterMetrics } from '../../metrics';
import { Inject, Injectable } from '@nestjs/common';
import { preparedQuery, type Outbox } from '@smis/persistence';
import { In, type DataSource } from 'typeorm';
import { REASONS } from '../../domain/reasons';
import { MessageRecord, type TimerKind } from '../../entities';
import { saveMessageProgress } from '../../plan/message-progress';
import { PlanExecutor } from '../../plan/plan-executor';
import { tableOf, type RouterTx } from '../../plan/transaction';
import { TimerAlarm } from '../../timers/timer-alarm';
import { ROUTER_DATA_SOURCE, ROUTER_OUTBOX } from '../../tokens';
import { FireTimersCommand } from './fire-timers.command';

/**
 * Fires due timers, a batch per transaction, set-wise: claims them with `FOR UPDATE SKIP LOCKED` (so
 * several router instances share the work and none fires a timer twice), locks their messages the
 * same way in one statement (a message busy with an event is left for the next round), deletes the
 * claimed timers in one statement, acts on each in memory, then writes the timer changes, the
 * messages' progress and the outbox records in one statement each (ADR 502's shape).
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
    private readonly alarm: TimerAlarm,
  ) {}

  /** Returns how many timers it fired. */
  async execute(command: FireTimersCommand): Promise<number> {
    const events: DeliveryEvent[] = [];
    const timers: number[] = [];
    const fired = await this.dataSource.transaction(async (manager) => {
      const tx: RouterTx = {
        manager,
        now: command.now,
        entries: [],
        events,
        timers,
        timerWrites: [],
        timerDeletes: [],
      };
      const due = (await preparedQuery(
        manager,
        `SELECT "message_id", "kind", "attempt" FROM ${tableOf(manager, 'timer')}
         WHERE "due_at" <= $1 ORDER BY "due_at" LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [command.now, command.limit],
      )) as { message_id: string; kind: TimerKind; attempt: number }[];
      if (due.length === 0) return 0;
      // The messages, in one statement; one busy with an event is left for the next round.
      const ids = [...new Set(due.map((t) => t.message_id))].sort();
      const locked = (await preparedQuery(
        manager,
        `SELECT "message_id" FROM ${tableOf(manager, 'message')}
         WHERE "message_id" = ANY($1::uuid[]) ORDER BY "message_id" FOR UPDATE SKIP LOCKED`,
        [ids],
      )) as { message_id: string }[];
      if (locked.length === 0) return 0;
      const messages = new Map(
        (await manager.findBy(MessageRecord, { messageId: In(locked.map((l) => l.message_id)) })).map((m) => [
          m.messageId,
          m,
        ]),
      );
      const firing = due.filter((t) => messages.has(t.message_id));
      await preparedQuery(
        manager,
        `DELETE FROM ${tableOf(manager, 'timer')} AS t
         USING unnest($1::uuid[], $2::text[]) AS d("message_id", "kind")
         WHERE t."message_id" = d."message_id" AND t."kind" = d."kind"`,
        [firing.map((t) => t.message_id), firing.map((t) => t.kind)],
      );
      const changed = new Set<MessageRecord>();
      for (const timer of firing) {
        const m = messages.get(timer.message_id) as MessageRecord;
        if (await this.fire(tx, m, timer.kind, timer.attempt)) {
          m.updatedAt = command.now;
          changed.add(m);
        }
      }
      await this.plan.flushTimers(tx);
      await saveMessageProgress(manager, [...changed]);
      await this.outbox.add(manager, tx.entries);
      return firing.length;
    });
    if (fired > 0) this.outbox.notify();
    this.alarm.armed(timers);
    this.metrics.observe(events);
    return fired;
  }

  /** The earliest due time of any timer (epoch ms), or null when there is none. */
  async nextDueAt(): Promise<number | null> {
    const [row] = (await this.dataSource.query(
      `SELECT "due_at" FROM ${tableOf(this.dataSource.manager, 'timer')} ORDER BY "due_at" LIMIT 1`,
    )) as { due_at: string | number }[];
    return row === undefined ? null : Number(row.due_at);
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
