import { Inject, Injectable } from '@nestjs/common';
import { preparedQuery } from '@smis/persistence';
import type { AvroCodec, Channel, Priority } from '@smis/contracts';
import type { RouterConfig } from '../config';
import { REASONS } from '../domain/reasons';
import { MessageRecord, type Outcome, type TimerKind } from '../entities';
import { ROUTER_CODEC, ROUTER_CONFIG } from '../tokens';
import { addEvent, tableOf, type EventFields, type RouterTx, type TimerWrite } from './transaction';

/**
 * Moves a message's delivery plan forward inside the caller's transaction (the message row is
 * locked by the caller): issues channel jobs, ROUTED / FALLBACK / FAILED / EXPIRED events, and
 * the fallback timer. Every record goes through the outbox, so a crash loses nothing.
 */
@Injectable()
export class PlanExecutor {
  constructor(
    @Inject(ROUTER_CONFIG) private readonly config: RouterConfig,
    @Inject(ROUTER_CODEC) private readonly codec: AvroCodec,
  ) {}

  event(tx: RouterTx, m: MessageRecord, status: Parameters<typeof addEvent>[4], fields: EventFields = {}) {
    return addEvent(tx, this.codec, this.config.topics.events, m, status, { planId: m.planId, ...fields });
  }

  /** Starts the plan with its first channel. */
  async start(tx: RouterTx, m: MessageRecord): Promise<void> {
    m.state = 'ACTIVE';
    m.step = 0;
    if (tx.now >= m.expiresAt) return this.expire(tx, m);
    await this.route(tx, m);
  }

  /** Gives up on the current channel and tries the next one (or ends the plan). */
  async advance(tx: RouterTx, m: MessageRecord, reason: string): Promise<void> {
    this.clearTimer(tx, m.messageId, 'fallback');
    const from = m.channels[m.step];
    if (m.step + 1 >= m.channels.length) {
      await this.event(tx, m, 'FAILED', { reason: REASONS.channelsExhausted });
      return this.finish(tx, m, 'FAILED');
    }
    if (tx.now >= m.expiresAt) return this.expire(tx, m);
    const to = m.channels[m.step + 1];
    await this.event(tx, m, 'FALLBACK', { fromChannel: from, toChannel: to, reason });
    m.step += 1;
    await this.route(tx, m);
  }

  /** The message can no longer be delivered: EXPIRED, plan done. */
  async expire(tx: RouterTx, m: MessageRecord): Promise<void> {
    await this.event(tx, m, 'EXPIRED', { reason: REASONS.messageExpired });
    this.finish(tx, m, 'EXPIRED');
  }

  /** Ends the plan: no more jobs, timers dropped, payloads and channel pseudonyms erased. */
  finish(tx: RouterTx, m: MessageRecord, outcome: Outcome): void {
    m.state = 'DONE';
    m.outcome = outcome;
    m.envelope = null;
    m.smsPayload = null;
    m.emailPayload = null;
    m.appRecipient = null;
    m.smsRecipient = null;
    m.emailRecipient = null;
    dropBuffered(tx.timerWrites, (t) => t.messageId === m.messageId);
    tx.timerDeletes.push({ messageId: m.messageId, kind: null });
  }

  /** Sets (or moves) a timer; written by `flushTimers` before the transaction commits. */
  setTimer(tx: RouterTx, messageId: string, kind: TimerKind, dueAt: number, attempt = 0): void {
    dropBuffered(tx.timerWrites, (t) => t.messageId === messageId && t.kind === kind);
    tx.timerWrites.push({ messageId, kind, dueAt, attempt });
    tx.timers.push(dueAt);
  }

  /**
   * Applies the timer changes the transaction collected: the deletes (`tx.timerDeletes`) in one
   * statement, then the writes (`tx.timerWrites`) in one. A write buffered after a delete of the
   * same timer replaces it; a delete after a write dropped the write from the buffer. Every
   * transaction that moves plans calls it before it commits.
   */
  async flushTimers(tx: RouterTx): Promise<void> {
    const { timerDeletes: deletes, timerWrites: writes } = tx;
    if (deletes.length > 0) {
      await preparedQuery(
        tx.manager,
        `DELETE FROM ${tableOf(tx.manager, 'timer')} AS t
         USING unnest($1::uuid[], $2::text[]) AS d("message_id", "kind")
         WHERE t."message_id" = d."message_id" AND (d."kind" IS NULL OR t."kind" = d."kind")`,
        [deletes.map((d) => d.messageId), deletes.map((d) => d.kind)],
      );
      deletes.length = 0;
    }
    if (writes.length === 0) return;
    await preparedQuery(
      tx.manager,
      `INSERT INTO ${tableOf(tx.manager, 'timer')} ("message_id", "kind", "due_at", "attempt")
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::int[])
       ON CONFLICT ("message_id", "kind") DO UPDATE SET "due_at" = EXCLUDED."due_at", "attempt" = EXCLUDED."attempt"`,
      [
        writes.map((t) => t.messageId),
        writes.map((t) => t.kind),
        writes.map((t) => t.dueAt),
        writes.map((t) => t.attempt),
      ],
    );
    writes.length = 0;
  }

  /** Clears a timer; deleted by `flushTimers` before the transaction commits. */
  clearTimer(tx: RouterTx, messageId: string, kind: TimerKind): void {
    dropBuffered(tx.timerWrites, (t) => t.messageId === messageId && t.kind === kind);
    tx.timerDeletes.push({ messageId, kind });
  }

  /** Issues the job of the current channel. */
  private async route(tx: RouterTx, m: MessageRecord): Promise<void> {
    const channel = m.channels[m.step];
    m.attempt += 1;
    const common = {
      messageId: m.messageId,
      senderId: m.senderId,
      planId: m.planId,
      attempt: m.attempt,
      createdAt: tx.now,
      expiresAt: m.expiresAt,
      priority: m.priority as Priority,
    };
    let fallbackAt: number | null = null;
    if (channel === 'APP' && m.step + 1 < m.channels.length) {
      fallbackAt = Math.min(tx.now + m.fallbackWindowSeconds * 1000, m.expiresAt);
      this.setTimer(tx, m.messageId, 'fallback', fallbackAt, m.attempt);
    }
    const topics = this.config.topics;
    const job = await this.encodeJob(channel, common, m, fallbackAt);
    tx.entries.push({
      topic:
        job.topic === 'APP'
          ? topics.appChannel
          : job.topic === 'SMS'
            ? topics.smsChannel
            : topics.emailChannel,
      key: m.messageId,
      value: job.value,
    });
    await this.event(tx, m, 'ROUTED', { channel, attempt: m.attempt });
  }

  private async encodeJob(
    channel: Channel,
    common: {
      messageId: string;
      senderId: string;
      planId: string;
      attempt: number;
      createdAt: number;
      expiresAt: number;
      priority: Priority;
    },
    m: MessageRecord,
    fallbackAt: number | null,
  ): Promise<{ topic: Channel; value: Buffer }> {
    const missing = (what: string) => new Error(`message ${m.messageId}: no ${what} for its ${channel} job`);
    switch (channel) {
      case 'APP':
        if (!m.appRecipient || !m.envelope) throw missing('app pseudonym or envelope');
        return {
          topic: 'APP',
          value: await this.codec.encode('AppChannelJob', {
            ...common,
            recipient: m.appRecipient,
            envelope: m.envelope,
            fallbackAt,
          }),
        };
      case 'SMS':
        if (!m.smsRecipient || !m.smsPayload) throw missing('sms pseudonym or sealed text');
        return {
          topic: 'SMS',
          value: await this.codec.encode('SmsChannelJob', {
            ...common,
            recipient: m.smsRecipient,
            sealedText: m.smsPayload,
          }),
        };
      case 'EMAIL':
        if (!m.emailRecipient || !m.emailPayload) throw missing('e-mail pseudonym or sealed e-mail');
        return {
          topic: 'EMAIL',
          value: await this.codec.encode('EmailChannelJob', {
            ...common,
            recipient: m.emailRecipient,
            sealedEmail: m.emailPayload,
          }),
        };
      default:
        throw new Error(`message ${m.messageId}: channel ${channel} cannot be routed`);
    }
  }
}

/** Removes buffered timer writes that a later step of the same transaction replaced or cleared. */
function dropBuffered(writes: TimerWrite[], match: (t: TimerWrite) => boolean): void {
  for (let i = writes.length - 1; i >= 0; i--) if (match(writes[i])) writes.splice(i, 1);
}
