import type { DeliveryEvent } from '@smis/contracts';
import { RouterMetrics } from '../../metrics';
import { Inject, Injectable } from '@nestjs/common';
import type { AvroCodec, Channel, MessageRequest } from '@smis/contracts';
import { preparedQuery, type Outbox } from '@smis/persistence';
import type { DomainDecryptor, PseudonymDomain } from '@smis/pseudonym';
import { randomUUID } from 'node:crypto';
import { In, type DataSource } from 'typeorm';
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

/** A request of a batch that passed the checks needing no database, on its way to the counters. */
interface Candidate {
  command: AcceptRequestCommand;
  row: MessageRecord;
  local: string;
  index: number;
}

/** What the batch knows of a (sender, citizen) pair's live messages: for caps and duplicate content. */
interface LiveMessage {
  category: string;
  contentDigest: Buffer;
  receivedAt: number;
}

/** A sender's rate state and day count, locked for the batch's transaction. */
interface SenderBudget {
  tat: number;
  count: number;
  changed: boolean;
}

const LIVE = `"decision" IN ('ACCEPTED', 'DEFERRED')`;
const pairKey = (a: string, b: string) => `${a}\u0000${b}`;

/**
 * Applies the code of conduct to authenticated requests and, for those that may go, starts their
 * delivery plans, in one transaction with the records they cause (outbox). The requests of a
 * batch are decided in order, exactly as one after another: each sees the counters (caps,
 * duplicates, idempotency keys, rate, quota) as left by the ones before it. Set-based: a fixed
 * number of statements per batch (one query per check, multi-row writes), not per request.
 * Idempotent by messageId; a second live request with the same (senderId, idempotencyKey) is
 * not delivered.
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
    const [outcome] = await this.executeBatch([command]);
    return outcome;
  }

  /**
   * Decides `commands` in order in one transaction. Stops after the first request whose record
   * must also be dead-lettered (future-dated, expired): the outcomes returned are those of
   * `commands.slice(0, outcomes.length)`, and the caller hands the rest in again.
   */
  async executeBatch(commands: readonly AcceptRequestCommand[]): Promise<AcceptOutcome[]> {
    if (commands.length === 0) return [];
    const now = (this.ports.clock ?? Date.now)();
    const events: DeliveryEvent[] = [];
    const timers: number[] = [];
    const outcomes = await this.dataSource.transaction(async (manager) => {
      const tx: RouterTx = { manager, now, entries: [], events, timers, timerWrites: [], timerDeletes: [] };
      const result = await this.decideBatch(tx, commands);
      await this.plan.flushTimers(tx);
      await this.outbox.add(manager, tx.entries);
      return result;
    });
    this.outbox.notify();
    this.alarm.armed(timers);
    this.metrics.observe(events);
    return outcomes;
  }

  private async decideBatch(
    tx: RouterTx,
    commands: readonly AcceptRequestCommand[],
  ): Promise<AcceptOutcome[]> {
    const { manager, now } = tx;
    const message = tableOf(manager, 'message');
    const known = new Set(
      (
        (await preparedQuery(
          manager,
          `SELECT "message_id" FROM ${message} WHERE "message_id" = ANY($1::uuid[])`,
          [commands.map((c) => c.request.messageId)],
        )) as { message_id: string }[]
      ).map((r) => r.message_id),
    );

    // The checks that need no counters; a dead letter ends the batch after it.
    const outcomes: AcceptOutcome[] = [];
    const rows: MessageRecord[] = [];
    const candidates: Candidate[] = [];
    for (const command of commands) {
      const { request, sender } = command;
      const index = outcomes.length;
      outcomes.push({ kind: 'already-known' });
      if (known.has(request.messageId)) continue;
      known.add(request.messageId);
      const row = this.newRow(request, now, effectiveFallbackWindowSeconds(request, sender.policy));
      rows.push(row);
      // Time checks first: a stale or future-dated request is also a dead letter.
      if (request.createdAt > now + this.config.maxClockSkewSeconds * 1000) {
        outcomes[index] = await this.reject(tx, row, REASONS.futureDated, true);
        break;
      }
      if (request.expiresAt <= now) {
        outcomes[index] = await this.reject(tx, row, REASONS.expired, true);
        break;
      }
      const local = this.localPseudonym(command);
      if (!local) {
        outcomes[index] = await this.reject(tx, row, REASONS.invalidRecipient, false);
        continue;
      }
      row.recipient = local;
      candidates.push({ command, row, local, index });
    }

    if (candidates.length > 0) {
      const state = await this.loadCounters(tx, candidates);
      for (const candidate of candidates) {
        outcomes[candidate.index] = await this.decideCandidate(tx, candidate, state);
      }
      await this.saveBudgets(tx, state.budgets);
    }
    if (rows.length > 0) await manager.insert(MessageRecord, rows);
    return outcomes;
  }

  /**
   * Locks what the batch's decisions depend on and reads it: one decision at a time per
   * (sender, citizen) (advisory locks, taken in a fixed order), the live idempotency keys, the
   * citizens' preferences, their live messages within the longest window a check looks back,
   * and each sender's rate and day count (the sender's rate row is locked until commit).
   */
  private async loadCounters(tx: RouterTx, candidates: readonly Candidate[]) {
    const { manager, now } = tx;
    const message = tableOf(manager, 'message');
    const lockKeys = [
      ...new Set(candidates.map((c) => `smis-router:${c.command.request.senderId}:${c.local}`)),
    ];
    await preparedQuery(
      manager,
      `SELECT count(pg_advisory_xact_lock(h))::int AS locked
       FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($1::text[]) AS k ORDER BY h) AS keys`,
      [lockKeys],
    );

    const preferences = new Map<string, CitizenPreferences>();
    const locals = [...new Set(candidates.map((c) => c.local))];
    for (const found of await manager.find(PreferenceRecord, { where: { recipient: In(locals) } })) {
      preferences.set(found.recipient, {
        channelOrder: found.channelOrder,
        mutedSenders: found.mutedSenders,
        mutedCategories: found.mutedCategories,
      });
    }

    // Per (sender, citizen), the earliest instant any of its checks looks back to.
    const since = new Map<string, { senderId: string; recipient: string; since: number }>();
    for (const { command, local } of candidates) {
      const policy = command.sender.policy;
      const lookBack = Math.max(
        policy.duplicateWindowMinutes * 60_000,
        ...policy.citizenCaps
          .filter((cap) => cap.category === command.request.category)
          .map((cap) => cap.periodHours * 3_600_000),
      );
      const key = pairKey(command.request.senderId, local);
      const from = now - lookBack;
      const entry = since.get(key);
      if (!entry || from < entry.since)
        since.set(key, { senderId: command.request.senderId, recipient: local, since: from });
    }
    const pairs = [...since.values()];
    const live = new Map<string, LiveMessage[]>();
    for (const r of (await preparedQuery(
      manager,
      `SELECT m."sender_id", m."recipient", m."category", m."content_digest", m."received_at"
       FROM unnest($1::text[], $2::text[], $3::bigint[]) AS p("sender_id", "recipient", "since")
       JOIN ${message} AS m ON m."sender_id" = p."sender_id" AND m."recipient" = p."recipient"
         AND m."received_at" > p."since"
       WHERE m.${LIVE}`,
      [pairs.map((p) => p.senderId), pairs.map((p) => p.recipient), pairs.map((p) => Math.floor(p.since))],
    )) as {
      sender_id: string;
      recipient: string;
      category: string;
      content_digest: Buffer;
      received_at: string;
    }[]) {
      const key = pairKey(r.sender_id, r.recipient);
      const list = live.get(key) ?? [];
      list.push({ category: r.category, contentDigest: r.content_digest, receivedAt: Number(r.received_at) });
      live.set(key, list);
    }

    const senderIds = [...new Set(candidates.map((c) => c.command.request.senderId))].sort();
    await preparedQuery(
      manager,
      `INSERT INTO ${tableOf(manager, 'sender_rate')} ("sender_id", "tat")
       SELECT s, $2 FROM unnest($1::text[]) AS s ON CONFLICT DO NOTHING`,
      [senderIds, now],
    );
    const rates = (await preparedQuery(
      manager,
      `SELECT "sender_id", "tat" FROM ${tableOf(manager, 'sender_rate')}
       WHERE "sender_id" = ANY($1::text[]) ORDER BY "sender_id" FOR UPDATE`,
      [senderIds],
    )) as { sender_id: string; tat: string | number }[];
    // Read under the senders' rate rows: every live insert of a sender is made under that lock,
    // so no other batch can take one of these keys between this read and this batch's commit.
    const keyPairs = [
      ...new Map(
        candidates.map((c) => {
          const { senderId, idempotencyKey } = c.command.request;
          return [pairKey(senderId, idempotencyKey), [senderId, idempotencyKey]] as const;
        }),
      ).values(),
    ];
    const liveKeys = new Map<string, string>();
    for (const r of (await preparedQuery(
      manager,
      `SELECT m."sender_id", m."idempotency_key", m."message_id"
       FROM unnest($1::text[], $2::text[]) AS k("sender_id", "idempotency_key")
       JOIN ${message} AS m ON m."sender_id" = k."sender_id" AND m."idempotency_key" = k."idempotency_key"
       WHERE m.${LIVE}`,
      [keyPairs.map((k) => k[0]), keyPairs.map((k) => k[1])],
    )) as { sender_id: string; idempotency_key: string; message_id: string }[]) {
      liveKeys.set(pairKey(r.sender_id, r.idempotency_key), r.message_id);
    }

    const days = (await preparedQuery(
      manager,
      `SELECT "sender_id", "count" FROM ${tableOf(manager, 'sender_day')}
       WHERE "sender_id" = ANY($1::text[]) AND "day" = $2`,
      [senderIds, brusselsDay(now)],
    )) as { sender_id: string; count: number }[];
    const budgets = new Map<string, SenderBudget>();
    for (const r of rates) {
      budgets.set(r.sender_id, {
        tat: Number(r.tat),
        count: Number(days.find((d) => d.sender_id === r.sender_id)?.count ?? 0),
        changed: false,
      });
    }
    // The rate is judged at the instant the sender's row was obtained, not when the batch began:
    // a batch that waited for the lock would otherwise see the rate state of batches that began
    // after it as the future, and defer messages that conform.
    const lockedAt = Math.max(now, (this.ports.clock ?? Date.now)());
    return { liveKeys, preferences, live, budgets, lockedAt };
  }

  /** One request's decision against the batch's counters, which it then updates. */
  private async decideCandidate(
    tx: RouterTx,
    { command, row, local }: Candidate,
    state: Awaited<ReturnType<AcceptRequestUseCase['loadCounters']>>,
  ): Promise<AcceptOutcome> {
    const { request, sender } = command;
    const { now } = tx;
    const policy = sender.policy;

    const keyOf = pairKey(request.senderId, request.idempotencyKey);
    const first = state.liveKeys.get(keyOf);
    if (first) {
      row.duplicateOf = first;
      return this.reject(tx, row, REASONS.duplicateIdempotencyKey, false, 'DUPLICATE');
    }

    const preferences = state.preferences.get(local);
    row.channels = planChannels(request, preferences);
    if (row.channels.length === 0) return this.reject(tx, row, REASONS.noChannel, false);

    const violation = staticPolicyViolation({
      request,
      policy,
      preferences,
      timeBoundMaxTtlMs: this.config.timeBoundMaxTtlSeconds * 1000,
    });
    if (violation) return this.reject(tx, row, violation, false);

    const citizenKey = pairKey(request.senderId, local);
    const history = state.live.get(citizenKey) ?? [];
    for (const cap of policy.citizenCaps.filter((c) => c.category === request.category)) {
      const from = now - cap.periodHours * 3_600_000;
      const count = history.filter((m) => m.category === request.category && m.receivedAt > from).length;
      if (count >= cap.max) return this.reject(tx, row, REASONS.citizenCap, false);
    }
    const duplicateFrom = now - policy.duplicateWindowMinutes * 60_000;
    if (history.some((m) => m.receivedAt > duplicateFrom && m.contentDigest.equals(request.contentDigest))) {
      return this.reject(tx, row, REASONS.duplicateContent, false);
    }

    // Rate (may defer), then the daily quota (counts the message), then the rate state.
    const budget = state.budgets.get(request.senderId);
    if (!budget) throw new Error(`sender ${request.senderId}: rate state was not loaded`);
    const rate = rateDecision(budget.tat, state.lockedAt, policy.ratePerSecond);
    if (rate.allowAt - state.lockedAt > this.config.maxRateDelaySeconds * 1000) {
      return this.reject(tx, row, REASONS.rate, false);
    }
    if (budget.count >= policy.dailyQuota) return this.reject(tx, row, REASONS.dailyQuota, false);
    budget.count += 1;
    budget.tat = rate.nextTat;
    budget.changed = true;

    if (!this.attachChannelRecipients(row, command))
      return this.reject(tx, row, REASONS.invalidRecipient, false);
    row.envelope = request.envelope;
    row.smsPayload = request.smsFallback;
    row.emailPayload = request.emailFallback;

    // From here on the message is live: later requests of the batch count it.
    state.liveKeys.set(keyOf, row.messageId);
    history.push({ category: request.category, contentDigest: request.contentDigest, receivedAt: now });
    state.live.set(citizenKey, history);

    const quietEnd =
      request.priority === 'URGENT' ? undefined : quietHoursEnd(rate.allowAt, policy.quietHours);
    const releaseAt = quietEnd ?? rate.allowAt;
    if (releaseAt > state.lockedAt) {
      const reason = quietEnd !== undefined ? REASONS.quietHours : REASONS.rate;
      row.decision = 'DEFERRED';
      row.reason = reason;
      row.state = 'DEFERRED';
      this.plan.setTimer(tx, row.messageId, 'release', releaseAt);
      await this.plan.event(tx, row, 'DEFERRED', { reason });
      return { kind: 'deferred', reason };
    }

    row.decision = 'ACCEPTED';
    await this.plan.event(tx, row, 'ACCEPTED');
    await this.plan.start(tx, row);
    return { kind: 'accepted' };
  }

  /** Writes back the rate state and day count of the senders whose messages were counted. */
  private async saveBudgets(tx: RouterTx, budgets: ReadonlyMap<string, SenderBudget>): Promise<void> {
    const changed = [...budgets].filter(([, b]) => b.changed);
    if (changed.length === 0) return;
    const { manager, now } = tx;
    await preparedQuery(
      manager,
      `UPDATE ${tableOf(manager, 'sender_rate')} AS r SET "tat" = u."tat"
       FROM unnest($1::text[], $2::float8[]) AS u("sender_id", "tat") WHERE r."sender_id" = u."sender_id"`,
      [changed.map(([id]) => id), changed.map(([, b]) => b.tat)],
    );
    const day = tableOf(manager, 'sender_day');
    await preparedQuery(
      manager,
      `INSERT INTO ${day} ("sender_id", "day", "count")
       SELECT s, $3, c FROM unnest($1::text[], $2::int[]) AS u(s, c)
       ON CONFLICT ("sender_id", "day") DO UPDATE SET "count" = EXCLUDED."count"`,
      [changed.map(([id]) => id), changed.map(([, b]) => b.count), brusselsDay(now)],
    );
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
