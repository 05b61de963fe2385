import type { DeliveryEvent } from '@smis/contracts';
import { RouterMetrics } from '../../metrics';
import { Inject, Injectable } from '@nestjs/common';
import type { AvroCodec, Channel, MessageRequest } from '@smis/contracts';
import type { Outbox } from '@smis/persistence';
import type { DomainDecryptor, PseudonymDomain } from '@smis/pseudonym';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { RouterConfig } from '../../config';
import { brusselsDay, quietHoursEnd } from '../../domain/brussels-time';
import {
  effectiveFallbackWindowSeconds,
  planChannels,
  rateDecision,
  staticPolicyViolation,
  type CitizenPreferences,
} from '../../domain/policy';
import { REASONS } from '../../domain/reasons';
import { encryptedToWire } from '../../domain/wire';
import { MessageRecord, PreferenceRecord, type Decision } from '../../entities';
import { PlanExecutor } from '../../plan/plan-executor';
import { addEvent, tableOf, type RouterTx } from '../../plan/transaction';
import type { RouterPorts } from '../../ports';
import {
  ROUTER_CODEC,
  ROUTER_CONFIG,
  ROUTER_DATA_SOURCE,
  ROUTER_DECRYPTOR,
  ROUTER_OUTBOX,
  ROUTER_PORTS,
} from '../../tokens';
import { TimerAlarm } from '../../timers/timer-alarm';
import { AcceptRequestCommand, type AcceptOutcome } from './accept-request.command';

const CHANNEL_DOMAIN: Record<'APP' | 'SMS' | 'EMAIL', PseudonymDomain> = {
  APP: 'app',
  SMS: 'sms',
  EMAIL: 'email',
};

/** The domains a request's recipient must be transcrypted into: the router's and each possible channel's. */
export function domainsFor(request: MessageRequest): PseudonymDomain[] {
  const domains: PseudonymDomain[] = ['router'];
  for (const channel of planChannels(request, undefined)) {
    if (channel === 'APP' || channel === 'SMS' || channel === 'EMAIL') domains.push(CHANNEL_DOMAIN[channel]);
  }
  return domains;
}

/**
 * Applies the code of conduct to one authenticated request and, when it may go, starts its
 * delivery plan, in one transaction with the records it causes (outbox). Idempotent by
 * messageId; a second live request with the same (senderId, idempotencyKey) is not delivered.
 */
@Injectable()
export class AcceptRequestUseCase {
  constructor(
    @Inject(ROUTER_CONFIG) private readonly config: RouterConfig,
    @Inject(ROUTER_PORTS) private readonly ports: RouterPorts,
    @Inject(ROUTER_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(ROUTER_OUTBOX) private readonly outbox: Outbox,
    @Inject(ROUTER_CODEC) private readonly codec: AvroCodec,
    @Inject(ROUTER_DECRYPTOR) private readonly decryptor: DomainDecryptor,
    private readonly plan: PlanExecutor,
    private readonly metrics: RouterMetrics,
    private readonly alarm: TimerAlarm,
  ) {}

  async execute(command: AcceptRequestCommand): Promise<AcceptOutcome> {
    const now = (this.ports.clock ?? Date.now)();
    const events: DeliveryEvent[] = [];
    const timers: number[] = [];
    const outcome = await this.dataSource.transaction(async (manager) => {
      const tx: RouterTx = { manager, now, entries: [], events, timers };
      const result = await this.decide(tx, command);
      await this.outbox.add(manager, tx.entries);
      return result;
    });
    this.outbox.notify();
    this.alarm.armed(timers);
    this.metrics.observe(events);
    return outcome;
  }

  private async decide(tx: RouterTx, command: AcceptRequestCommand): Promise<AcceptOutcome> {
    const { request, sender } = command;
    const { manager, now } = tx;
    const policy = sender.policy;
    const existing = await manager.query(
      `SELECT 1 FROM ${tableOf(manager, 'message')} WHERE "message_id" = $1`,
      [request.messageId],
    );
    if (existing.length > 0) return { kind: 'already-known' };

    const row = this.newRow(request, now, effectiveFallbackWindowSeconds(request, policy));

    // Time checks first: a stale or future-dated request is also a dead letter.
    if (request.createdAt > now + this.config.maxClockSkewSeconds * 1000) {
      return this.reject(tx, row, REASONS.futureDated, true);
    }
    if (request.expiresAt <= now) return this.reject(tx, row, REASONS.expired, true);

    const local = this.localPseudonym(command);
    if (!local) return this.reject(tx, row, REASONS.invalidRecipient, false);
    row.recipient = local;

    // One decision at a time per (sender, citizen): caps and duplicates count what came before.
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
      `smis-router:${request.senderId}:${local}`,
    ]);

    const live = (await manager.query(
      `SELECT "message_id" FROM ${tableOf(manager, 'message')}
       WHERE "sender_id" = $1 AND "idempotency_key" = $2 AND "decision" IN ('ACCEPTED', 'DEFERRED') LIMIT 1`,
      [request.senderId, request.idempotencyKey],
    )) as { message_id: string }[];
    if (live.length > 0) {
      row.duplicateOf = live[0].message_id;
      return this.reject(tx, row, REASONS.duplicateIdempotencyKey, false, 'DUPLICATE');
    }

    const preferences = await this.preferencesOf(tx, local);
    row.channels = planChannels(request, preferences);
    if (row.channels.length === 0) return this.reject(tx, row, REASONS.noChannel, false);

    const violation = staticPolicyViolation({
      request,
      policy,
      preferences,
      timeBoundMaxTtlMs: this.config.timeBoundMaxTtlSeconds * 1000,
    });
    if (violation) return this.reject(tx, row, violation, false);

    for (const cap of policy.citizenCaps.filter((c) => c.category === request.category)) {
      const [{ count }] = (await manager.query(
        `SELECT count(*)::int AS count FROM ${tableOf(manager, 'message')}
         WHERE "sender_id" = $1 AND "recipient" = $2 AND "category" = $3
           AND "decision" IN ('ACCEPTED', 'DEFERRED') AND "received_at" > $4`,
        [request.senderId, local, request.category, now - cap.periodHours * 3_600_000],
      )) as { count: number }[];
      if (count >= cap.max) return this.reject(tx, row, REASONS.citizenCap, false);
    }

    const [{ count: duplicates }] = (await manager.query(
      `SELECT count(*)::int AS count FROM ${tableOf(manager, 'message')}
       WHERE "sender_id" = $1 AND "recipient" = $2 AND "content_digest" = $3
         AND "decision" IN ('ACCEPTED', 'DEFERRED') AND "received_at" > $4`,
      [request.senderId, local, request.contentDigest, now - policy.duplicateWindowMinutes * 60_000],
    )) as { count: number }[];
    if (duplicates > 0) return this.reject(tx, row, REASONS.duplicateContent, false);

    // Rate (may defer), then the daily quota (counts the message), then the rate state.
    await manager.query(
      `INSERT INTO ${tableOf(manager, 'sender_rate')} ("sender_id", "tat") VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [request.senderId, now],
    );
    const [{ tat }] = (await manager.query(
      `SELECT "tat" FROM ${tableOf(manager, 'sender_rate')} WHERE "sender_id" = $1 FOR UPDATE`,
      [request.senderId],
    )) as { tat: string }[];
    const rate = rateDecision(Number(tat), now, policy.ratePerSecond);
    if (rate.allowAt - now > this.config.maxRateDelaySeconds * 1000) {
      return this.reject(tx, row, REASONS.rate, false);
    }
    const counted = await manager.query(
      `INSERT INTO ${tableOf(manager, 'sender_day')} ("sender_id", "day", "count") VALUES ($1, $2, 1)
       ON CONFLICT ("sender_id", "day") DO UPDATE SET "count" = ${tableOf(manager, 'sender_day')}."count" + 1
       WHERE ${tableOf(manager, 'sender_day')}."count" < $3
       RETURNING "count"`,
      [request.senderId, brusselsDay(now), policy.dailyQuota],
    );
    if (counted.length === 0) return this.reject(tx, row, REASONS.dailyQuota, false);
    await manager.query(`UPDATE ${tableOf(manager, 'sender_rate')} SET "tat" = $2 WHERE "sender_id" = $1`, [
      request.senderId,
      rate.nextTat,
    ]);

    if (!this.attachChannelRecipients(row, command))
      return this.reject(tx, row, REASONS.invalidRecipient, false);
    row.envelope = request.envelope;
    row.smsPayload = request.smsFallback;
    row.emailPayload = request.emailFallback;

    const quietEnd =
      request.priority === 'URGENT' ? undefined : quietHoursEnd(rate.allowAt, policy.quietHours);
    const releaseAt = quietEnd ?? rate.allowAt;
    if (releaseAt > now) {
      const reason = quietEnd !== undefined ? REASONS.quietHours : REASONS.rate;
      row.decision = 'DEFERRED';
      row.reason = reason;
      row.state = 'DEFERRED';
      await manager.insert(MessageRecord, row);
      await this.plan.setTimer(tx, row.messageId, 'release', releaseAt);
      await this.plan.event(tx, row, 'DEFERRED', { reason });
      return { kind: 'deferred', reason };
    }

    row.decision = 'ACCEPTED';
    await this.plan.event(tx, row, 'ACCEPTED');
    await this.plan.start(tx, row);
    await manager.insert(MessageRecord, row);
    return { kind: 'accepted' };
  }

  private localPseudonym(command: AcceptRequestCommand): string | undefined {
    const router = command.recipients.router;
    if (!router?.ok) return undefined;
    try {
      return this.decryptor.decrypt(router.value);
    } catch {
      return undefined;
    }
  }

  private attachChannelRecipients(row: MessageRecord, command: AcceptRequestCommand): boolean {
    for (const channel of row.channels) {
      const outcome = command.recipients[CHANNEL_DOMAIN[channel as 'APP' | 'SMS' | 'EMAIL']];
      if (!outcome?.ok) return false;
      const wire = encryptedToWire(outcome.value);
      if (channel === 'APP') row.appRecipient = wire;
      else if (channel === 'SMS') row.smsRecipient = wire;
      else if (channel === 'EMAIL') row.emailRecipient = wire;
    }
    return true;
  }

  private async preferencesOf(tx: RouterTx, local: string): Promise<CitizenPreferences | undefined> {
    const found = await tx.manager.findOne(PreferenceRecord, { where: { recipient: local } });
    return found
      ? {
          channelOrder: found.channelOrder,
          mutedSenders: found.mutedSenders,
          mutedCategories: found.mutedCategories,
        }
      : undefined;
  }

  private async reject(
    tx: RouterTx,
    row: MessageRecord,
    reason: string,
    deadLetter: boolean,
    decision: Decision = 'REJECTED',
  ): Promise<AcceptOutcome> {
    row.decision = decision;
    row.reason = reason;
    row.state = 'REJECTED';
    row.channels = [];
    await tx.manager.insert(MessageRecord, row);
    await addEvent(tx, this.codec, this.config.topics.events, row, 'REJECTED', {
      reason,
      planId: row.planId,
    });
    return {
      kind: decision === 'DUPLICATE' ? 'duplicate' : 'rejected',
      reason,
      deadLetter: deadLetter ? reason : undefined,
    };
  }

  private newRow(request: MessageRequest, now: number, fallbackWindowSeconds: number): MessageRecord {
    const row = new MessageRecord();
    Object.assign(row, {
      messageId: request.messageId,
      senderId: request.senderId,
      idempotencyKey: request.idempotencyKey,
      duplicateOf: null,
      planId: randomUUID(),
      recipient: null,
      category: request.category,
      priority: request.priority,
      contentDigest: request.contentDigest,
      expiresAt: request.expiresAt,
      fallbackWindowSeconds,
      decision: 'REJECTED',
      reason: null,
      state: 'REJECTED',
      outcome: null,
      channels: [] as Channel[],
      step: 0,
      attempt: 0,
      appConfirmed: false,
      deliveredAt: null,
      readAt: null,
      appRecipient: null,
      smsRecipient: null,
      emailRecipient: null,
      envelope: null,
      smsPayload: null,
      emailPayload: null,
      receivedAt: now,
      updatedAt: now,
    } satisfies Partial<MessageRecord>);
    return row;
  }
}
